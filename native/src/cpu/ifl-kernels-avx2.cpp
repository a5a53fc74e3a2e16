// ifl-kernels-avx2.cpp — the AVX2+FMA kernel variant: 8-lane accumulators, 4x3 prefill tiles,
// fused 4-row decode. Only the vector type and tile constants are here; the body is
// ifl-kernels-body.inc (the shared code lives in ifl-dequant-*simd.h and ifl-matmul-simd.h).
#include "ifl-kernels-variants.h"

#define IFL_KERN_NS kern_avx2

#if defined(IFL_X86)
#include <immintrin.h>

#define IFL_KERNEL_VARIANT_TU 1

namespace {

#include "ifl-vec8-simd.h"

using vreg = __m256;
constexpr int VL = 8;
constexpr int MK_R = 4, MK_T = 3;   // 12 accumulators + 3 x + 1 w = 16 ymm registers
constexpr int DEC_R = 8;

constexpr int FUSED_R = 4;          // rows per fused decode tile (4 accumulator chains)
constexpr bool FUSED_DECODE = true;

inline vreg v_zero() { return _mm256_setzero_ps(); }
inline vreg v_load(const float * p) { return _mm256_loadu_ps(p); }
inline void v_store(float * p, vreg v) { _mm256_storeu_ps(p, v); }
inline vreg v_fma(vreg a, vreg b, vreg c) { return _mm256_fmadd_ps(a, b, c); }
inline vreg v_load_tail(const float * p, int n) { return load_tail8(p, n); }
inline float v_reduce(vreg v) { return reduce8(v); }

} // namespace
#endif

#include "ifl-kernels-body.inc"
