// ifl-kernels.h — kernel variants (ref / AVX2 / AVX-512), the weight-row dot product used by
// decode, and the fast row dequantizer.
//
// Exact numerics: weights are dequantized exactly (the float32 values of dequantize_row_ref) and
// multiplied with float32 activations; activations are never quantized. A SIMD variant with L
// lanes (AVX2: 8, AVX-512: 16) accumulates w[k]*x[k] with one FMA per element into lane k % L,
// in increasing k, starting from +0, then sums the lanes with a fixed tree
// ((l + l+L/2) ... pairwise halving). vec_dot and every row of matmul use exactly this order,
// so results do not depend on batch size or thread count. `ref` is a plain sequential float32
// FMA loop over k (one lane).
#pragma once

#include <cstdint>

#include "ifl-ggml-types.h"

namespace ifl {

// Numerics of a weight dot product / matmul. exact: as described above. fast: quantized
// weights (Q4_0 ... Q6_K) multiply 8-bit quantized activations with integer dot products, like
// llama.cpp (definition in ifl-qdot.h); F32/F16/BF16 weights always use exact.
enum class numerics { exact, fast };

// avx512_emulated: the avx512 variant's exact arithmetic run with AVX2 (slow; for tests, so
// that the 16-lane code is checked on any CPU and equals avx512 bit for bit where both run).
// kernels_best_variant never returns it.
enum class kernel_variant { ref, avx2, avx512, avx512_emulated };

// The fastest variant this CPU runs (cpu_get_features; INFLLM_NO_AVX512=1 hides AVX-512).
kernel_variant kernels_best_variant();
bool           kernels_variant_available(kernel_variant v);
const char *   kernel_variant_name(kernel_variant v);   // "ref", "avx2", "avx512", "avx512-emu"
// Lanes of the variant's accumulator (1, 8, 16): the error bound of a dot is ~(n/L + log2 L) ulp.
int            kernel_variant_lanes(kernel_variant v);

// dot(dequant(w_row[0..n)), x[0..n)); n a multiple of the type's block size. Throws
// ifl::error(invalid_argument) for an unsupported type, a bad n or an unavailable variant.
float vec_dot(ggml_type t, int64_t n, const void * w_row, const float * x);
float vec_dot_variant(kernel_variant v, ggml_type t, int64_t n, const void * w_row, const float * x);
// The same with a choice of numerics (fast: the activations x are quantized for the type first).
float vec_dot_variant(kernel_variant v, ggml_type t, int64_t n, const void * w_row, const float * x, numerics num);

// Same float32 values as dequantize_row_ref, vectorised (best variant).
void dequantize_row(ggml_type t, const void * src, float * dst, int64_t n);

} // namespace ifl
