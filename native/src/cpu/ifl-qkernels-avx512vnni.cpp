// ifl-qkernels-avx512vnni.cpp — the AVX-512 fast kernels with VNNI: as
// ifl-qkernels-avx512.cpp, but vpdpbusd / vpdpwssd fuse maddubs + madd (+ add) — the same
// integers, so results stay bit-identical to AVX2. Selected at run time on CPUs with
// AVX512_VNNI (this file gets -mavx512* -mavx512vnni from CMake).
#include "ifl-qkernels-variants.h"

#if defined(IFL_X86)
#include <immintrin.h>

#include <cstring>
#include <type_traits>
#include <utility>

#include "ifl-quants.h"

#define IFL_KERNEL_VARIANT_TU 1

namespace {

constexpr int QDEC32_R = 4, QDECK_R = 1;   // decode rows per tile (32-element / K blocks)
constexpr int QM32_R = 4, QM32_T = 6;
constexpr int QMK_R = 4, QMK_T = 6;

#include "ifl-qdecode-simd.h"
#include "ifl-qmatmul-simd.h"

} // namespace

namespace ifl::qkern_avx512vnni {

size_t qmatmul_scratch_floats() { return QSCRATCH_FLOATS; }

void qmatmul_rows(const qmatmul_job & job, int64_t o0, int64_t o1, float * scratch) {
    qmatmul_rows_impl(job, o0, o1, scratch);
}

} // namespace ifl::qkern_avx512vnni

#else  // not x86: the variant is never selected

#include "ifl-error.h"

namespace ifl::qkern_avx512vnni {
size_t qmatmul_scratch_floats() { return 0; }
void qmatmul_rows(const qmatmul_job &, int64_t, int64_t, float *) { throw_error(status::internal, "qkern_avx512vnni kernels are x86 only"); }
} // namespace ifl::qkern_avx512vnni

#endif
