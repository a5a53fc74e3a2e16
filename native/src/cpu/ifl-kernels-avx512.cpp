// ifl-kernels-avx512.cpp — the AVX-512 (F+BW+VL+DQ) kernel variant: 16-lane accumulators, 4x6
// prefill tiles, 8-row decode tiles; dequantization is the shared AVX2 code compiled with
// AVX-512 flags. Selected at run time only (this file gets -mavx512* from CMake); it defines
// nothing with external linkage except the kern_avx512 entry points, and includes only
// headers whose inline functions are `static` (see ifl-fp16.h). Only the vector type and tile
// constants are here; the body is ifl-kernels-body.inc.
#include "ifl-kernels-variants.h"

#define IFL_KERN_NS kern_avx512

#if defined(IFL_X86)
#include <immintrin.h>

#define IFL_KERNEL_VARIANT_TU 1

namespace {

#include "ifl-vec8-simd.h"

using vreg = __m512;
constexpr int VL = 16;
constexpr int MK_R = 4, MK_T = 6;   // 24 accumulators + 6 x + 1 w = 31 zmm registers
constexpr int DEC_R = 8;

constexpr int FUSED_R = 4;
constexpr bool FUSED_DECODE = false;   // decoders emit 8-lane vectors; this variant has 16

inline vreg v_zero() { return _mm512_setzero_ps(); }
inline vreg v_load(const float * p) { return _mm512_loadu_ps(p); }
inline void v_store(float * p, vreg v) { _mm512_storeu_ps(p, v); }
inline vreg v_fma(vreg a, vreg b, vreg c) { return _mm512_fmadd_ps(a, b, c); }
inline vreg v_load_tail(const float * p, int n) { return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p); }
// Fixed tree: (l, l+8), then the 8-lane tree of reduce8.
inline float v_reduce(vreg v) { return reduce8(_mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1))); }

} // namespace
#endif

#include "ifl-kernels-body.inc"
