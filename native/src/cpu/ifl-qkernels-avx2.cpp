// ifl-qkernels-avx2.cpp — the fast (8-bit activation) kernels for AVX2: maddubs/madd integer
// lanes; decode tiles of 4 rows (32-element blocks) or 1 row (K-quants); 4x2 prefill tiles
// (rows x tokens; measured best of 2x4, 4x2, 4x3, 3x4, 2x6 on Zen 3: larger tiles spill some of
// the 16 ymm registers). The shared code lives in ifl-qdecode-simd.h, ifl-qmatmul-simd.h and
// ifl-qprefill-simd.h.
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
constexpr int QM32_R = 4, QM32_T = 2;
constexpr int QMK_R = 4, QMK_T = 2;

#include "ifl-qdecode-simd.h"
#include "ifl-qmatmul-simd.h"

} // namespace

namespace ifl::qkern_avx2 {

size_t qmatmul_scratch_floats() { return QSCRATCH_FLOATS; }

void qmatmul_rows(const qmatmul_job & job, int64_t o0, int64_t o1, float * scratch) {
    qmatmul_rows_impl(job, o0, o1, scratch);
}

} // namespace ifl::qkern_avx2

#else  // not x86: the variant is never selected

#include "ifl-error.h"

namespace ifl::qkern_avx2 {
size_t qmatmul_scratch_floats() { return 0; }
void qmatmul_rows(const qmatmul_job &, int64_t, int64_t, float *) { throw_error(status::internal, "qkern_avx2 kernels are x86 only"); }
} // namespace ifl::qkern_avx2

#endif
