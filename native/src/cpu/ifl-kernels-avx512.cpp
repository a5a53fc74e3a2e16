// ifl-kernels-avx512.cpp — the AVX-512 (F+BW+VL+DQ) kernel variant: 16-lane accumulators, 4x6
// prefill tiles, 8-row decode tiles; dequantization is the shared AVX2 code compiled with
// AVX-512 flags. Selected at run time only (this file gets -mavx512* from CMake); it defines
// nothing with external linkage except the kern_avx512 entry points, and includes only
// headers whose inline functions are `static` (see ifl-fp16.h).
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

using vreg = __m512;
constexpr int VL = 16;
constexpr int MK_R = 4, MK_T = 6;   // 24 accumulators + 6 x + 1 w = 31 zmm registers
constexpr int DEC_R = 8;

constexpr int FUSED_R = 4;
constexpr bool FUSED_DECODE = false;   // decoders emit 8-lane vectors; this variant has 16

#include "ifl-dequant-simd.h"
#include "ifl-dequant-rows-simd.h"

inline vreg v_zero() { return _mm512_setzero_ps(); }
inline vreg v_load(const float * p) { return _mm512_loadu_ps(p); }
inline void v_store(float * p, vreg v) { _mm512_storeu_ps(p, v); }
inline vreg v_fma(vreg a, vreg b, vreg c) { return _mm512_fmadd_ps(a, b, c); }
inline vreg v_load_tail(const float * p, int n) { return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), p); }
// Fixed tree: (l, l+8), then the 8-lane tree of reduce8.
inline float v_reduce(vreg v) { return reduce8(_mm256_add_ps(_mm512_extractf32x8_ps(v, 0), _mm512_extractf32x8_ps(v, 1))); }

#include "ifl-matmul-simd.h"

} // namespace

namespace ifl::kern_avx512 {

size_t matmul_scratch_floats() { return W_SCRATCH + ACC_SCRATCH; }

void matmul_rows(const matmul_job & job, int64_t o0, int64_t o1, float * scratch) {
    matmul_rows_impl(job, o0, o1, scratch);
}

void dequantize(ggml_type t, const void * src, float * dst, int64_t n) {
    dequant_range(t, static_cast<const uint8_t *>(src), 0, n, dst);
}

} // namespace ifl::kern_avx512

#else  // not x86: the variant is never selected (kernels_variant_available is false)

#include "ifl-error.h"

namespace ifl::kern_avx512 {
size_t matmul_scratch_floats() { return 0; }
void matmul_rows(const matmul_job &, int64_t, int64_t, float *) { throw_error(status::internal, "kern_avx512 kernels are x86 only"); }
void dequantize(ggml_type, const void *, float *, int64_t) { throw_error(status::internal, "kern_avx512 kernels are x86 only"); }
} // namespace ifl::kern_avx512

#endif
