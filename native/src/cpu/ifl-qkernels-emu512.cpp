// ifl-qkernels-emu512.cpp — the AVX-512 variant's prefill tile shape (4x6) compiled for AVX2,
// for tests only (kernel_variant::avx512_emulated): on any CPU it exercises the tile and tail
// code paths the AVX-512 build uses; results must equal every other variant's bit for bit.
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

namespace ifl::qkern_emu512 {

size_t qmatmul_scratch_floats() { return QSCRATCH_FLOATS; }

void qmatmul_rows(const qmatmul_job & job, int64_t o0, int64_t o1, float * scratch) {
    qmatmul_rows_impl(job, o0, o1, scratch);
}

} // namespace ifl::qkern_emu512

#else  // not x86: the variant is never selected

#include "ifl-error.h"

namespace ifl::qkern_emu512 {
size_t qmatmul_scratch_floats() { return 0; }
void qmatmul_rows(const qmatmul_job &, int64_t, int64_t, float *) { throw_error(status::internal, "qkern_emu512 kernels are x86 only"); }
} // namespace ifl::qkern_emu512

#endif
