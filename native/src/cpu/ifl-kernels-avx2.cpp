// ifl-kernels-avx2.cpp — the AVX2+FMA kernel variant: 8-lane accumulators, 4x3 prefill tiles,
// fused 4-row decode. The shared code lives in ifl-dequant-*simd.h and ifl-matmul-simd.h.
#include "ifl-kernels-variants.h"

#if defined(IFL_X86)
#include <immintrin.h>

#include <cstring>
#include <type_traits>
#include <utility>

#include "ifl-fp16.h"
#include "ifl-quants.h"

#define IFL_KERNEL_VARIANT_TU 1

namespace {

using vreg = __m256;
constexpr int VL = 8;
constexpr int MK_R = 4, MK_T = 3;   // 12 accumulators + 3 x + 1 w = 16 ymm registers
constexpr int DEC_R = 8;

constexpr int FUSED_R = 4;          // rows per fused decode tile (4 accumulator chains)
constexpr bool FUSED_DECODE = true;

#include "ifl-dequant-simd.h"
#include "ifl-dequant-rows-simd.h"

inline vreg v_zero() { return _mm256_setzero_ps(); }
inline vreg v_load(const float * p) { return _mm256_loadu_ps(p); }
inline void v_store(float * p, vreg v) { _mm256_storeu_ps(p, v); }
inline vreg v_fma(vreg a, vreg b, vreg c) { return _mm256_fmadd_ps(a, b, c); }
inline vreg v_load_tail(const float * p, int n) { return load_tail8(p, n); }
inline float v_reduce(vreg v) { return reduce8(v); }

#include "ifl-matmul-simd.h"

} // namespace

namespace ifl::kern_avx2 {

size_t matmul_scratch_floats() { return W_SCRATCH + ACC_SCRATCH; }

void matmul_rows(const matmul_job & job, int64_t o0, int64_t o1, float * scratch) {
    matmul_rows_impl(job, o0, o1, scratch);
}

void dequantize(ggml_type t, const void * src, float * dst, int64_t n) {
    dequant_range(t, static_cast<const uint8_t *>(src), 0, n, dst);
}

} // namespace ifl::kern_avx2

#else  // not x86: the variant is never selected (kernels_variant_available is false)

#include "ifl-error.h"

namespace ifl::kern_avx2 {
size_t matmul_scratch_floats() { return 0; }
void matmul_rows(const matmul_job &, int64_t, int64_t, float *) { throw_error(status::internal, "kern_avx2 kernels are x86 only"); }
void dequantize(ggml_type, const void *, float *, int64_t) { throw_error(status::internal, "kern_avx2 kernels are x86 only"); }
} // namespace ifl::kern_avx2

#endif
