// ifl-kernels-emu512.cpp — the AVX-512 variant's exact arithmetic emulated with AVX2 (a 16-lane
// vector is a pair of ymm registers), for tests only (kernel_variant::avx512_emulated, never
// chosen by kernels_best_variant). It instantiates the same shared templates with the same
// constants as ifl-kernels-avx512.cpp and the same lane-sum tree, so on CPUs with AVX-512 its
// results must equal the real variant's bit for bit, and on CPUs without it the 16-lane code
// paths (tile shapes, tails, scratch layout) are still exercised. Only the vector type and tile
// constants are here; the body is ifl-kernels-body.inc.
#include "ifl-kernels-variants.h"

#define IFL_KERN_NS kern_emu512

#if defined(IFL_X86)
#include <immintrin.h>

#define IFL_KERNEL_VARIANT_TU 1

namespace {

#include "ifl-vec8-simd.h"

struct vreg {
    __m256 lo, hi;   // lanes 0-7, 8-15
};
constexpr int VL = 16;
constexpr int MK_R = 4, MK_T = 6;   // as ifl-kernels-avx512.cpp
constexpr int DEC_R = 8;

constexpr int FUSED_R = 4;
constexpr bool FUSED_DECODE = false;

inline vreg v_zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
inline vreg v_load(const float * p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
inline void v_store(float * p, vreg v) {
    _mm256_storeu_ps(p, v.lo);
    _mm256_storeu_ps(p + 8, v.hi);
}
inline vreg v_fma(vreg a, vreg b, vreg c) { return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)}; }
inline vreg v_load_tail(const float * p, int n) {  // n < 16, other lanes 0 (like a zero-masked load)
    if (n <= 8) return {n == 8 ? _mm256_loadu_ps(p) : load_tail8(p, n), _mm256_setzero_ps()};
    return {_mm256_loadu_ps(p), load_tail8(p + 8, n - 8)};
}
// The AVX-512 tree: (l, l+8), then reduce8.
inline float v_reduce(vreg v) { return reduce8(_mm256_add_ps(v.lo, v.hi)); }

} // namespace
#endif

#include "ifl-kernels-body.inc"
