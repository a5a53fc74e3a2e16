// ifl-qact.h — 8-bit activations for the "fast" numerics (see ifl-qdot.h): llama.cpp's Q8_0,
// Q8_1 and Q8_K activation blocks, the quantizers that fill them with exactly the values
// llama.cpp's x86 build computes, and the prepared per-row layout the fast kernels read.
//
// Rounding (llama.cpp, ggml-cpu quants, x86 AVX2 code paths, which produced the golden data):
//   Q8_0 / Q8_1, per 32 elements: amax = max |x|; d = amax / 127 (f32); id = amax != 0 ? 127 / amax
//     : 0 (f32); q = round-half-even(x * id) (f32 product), saturated to int8; d is stored as fp16
//     (round to nearest even). Q8_1 also stores s = fp16(d * sum(q)) with the f32 d.
//   Q8_K, per 256 elements: max = the first element of largest |x|; if it is 0 everything is 0;
//     iscale = -127 / max (f32); q = min(127, round-half-even(iscale * x)) where the exact product
//     is rounded (llama.cpp's nearest_int(iscale * x[j]) contracts into one FMA in a GCC build
//     with FMA, as the golden data's; a row of those files that only the FMA form reproduces
//     confirms it); d = 1 / iscale (f32); bsums[j] = sum of q over elements 16j .. 16j+15.
// Non-finite activations give unspecified (but memory-safe) blocks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ifl-ggml-types.h"
#include "ifl-quants.h"

namespace ifl {

struct block_q8_1 { uint16_t d, s; int8_t qs[32]; };                     // d, s fp16
struct block_q8_k { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; };
static_assert(sizeof(block_q8_1) == 36 && sizeof(block_q8_k) == 292, "q8 activation block sizes");

// The activation format a quantized weight type's fast dot product pairs with (as llama.cpp's
// vec_dot_type): Q4_0 Q5_0 Q8_0 -> Q8_0; Q4_1 Q5_1 -> Q8_1; K-quants -> Q8_K.
enum class act_kind { q8_0, q8_1, q8_k };
// True for the ten quantized types; false for F32/F16/BF16 (which have no fast path).
bool     qdot_type_has_fast(ggml_type t);
act_kind qdot_act_kind(ggml_type t);   // t must have a fast path

// n (a multiple of 32 / 256) floats -> n / 32 or n / 256 blocks.
void quantize_row_q8_0(const float * x, block_q8_0 * y, int64_t n);
void quantize_row_q8_1(const float * x, block_q8_1 * y, int64_t n);
void quantize_row_q8_k(const float * x, block_q8_k * y, int64_t n);

// ---- prepared activation rows (what the fast kernels read) -------------------------------
// One matmul input row quantized for one weight type, as sections at 32-byte aligned offsets
// of a row of row_bytes (nb = n_in / block):
//   32-element formats: qs int8 [nb][32] | corr int32 [nb][8] | d f32 [nb] | s f32 [nb]
//     corr lane l of block b = -off * (qs[b][4l] + ... + qs[b][4l+3]) with off = 8 for Q4_0
//     weights, 16 for Q5_0, else 0; d = the fp16 scale as f32; s = Q8_1's fp16 s as f32.
//   Q8_K:                qs int8 [nb][256] | bsums int16 [nb][16] | d f32 [nb]
struct qact_layout {
    act_kind kind;
    int      off;         // the weight type's quant offset folded into corr (32-element formats)
    int64_t  nb;          // blocks per row
    size_t   corr_off;    // bytes from the row start: corr (32-element) or bsums (Q8_K)
    size_t   d_off;
    size_t   s_off;       // Q8_1 only
    size_t   row_bytes;   // multiple of 64
};

qact_layout qact_layout_for(ggml_type weight_type, int64_t n_in);

// Quantizes one row x[0..n_in) into row (row_bytes of the layout, 32-byte aligned).
void qact_prepare_row(const qact_layout & L, const float * x, uint8_t * row);

} // namespace ifl
