// ifl-qdot.h — the "fast" numerics of quantized weight matmuls: activations quantized to 8 bits
// (ifl-qact.h), integer dot products per block, float scales per block in a fixed order.
//
// Definition (every variant computes exactly this; ref, avx2, avx512 and avx512-emu agree bit
// for bit, so results do not depend on the CPU, the batch size, the token split or the thread
// count). For one output (row o, token t), with x the prepared activation row of token t:
//   acc[0..8) = +0 (f32)
//   for each weight block b (32 elements, or a 256-element K-quant super-block), in order:
//     L[l], M[l] (l = 0..7): exact integers (below), converted to f32 (round to nearest even)
//     acc[l] = fma(L[l], dw * dx, acc[l])                dw * dx: f32 product of the scales
//     Q4_1/Q5_1:     acc[0] = fma(m, s, acc[0])     m: the weight min, s: Q8_1's fp16 d * sum(q)
//     Q2_K/Q4_K/Q5_K: acc[l] = fma(-M[l], dmin * dx, acc[l])
//   y = ((acc0 + acc4) + (acc2 + acc6)) + ((acc1 + acc5) + (acc3 + acc7))   (the reduce8 tree)
// Integer lanes (qx: int8 activations; q: the weight's integer quant of element e):
//   32-element blocks: L[l] = sum_{e = 4l .. 4l+3} (q_e - off) * qx_e
//     (off 8 for Q4_0, 16 for Q5_0, else 0; Q8_0's q is signed)
//   K-quants: L[l] = sum_{g = 0..7} sum_{e = 32g+4l .. 32g+4l+3} sc_e * q_e * qx_e
//                    - off * sum_{e = 32l .. 32l+31} sc_e * qx_e      (off 4 for Q3_K, 32 for Q6_K)
//             M[l] = sum_{e = 32l .. 32l+31} min_e * qx_e             (Q2_K, Q4_K, Q5_K)
//   where sc_e / min_e are the integer scale / min of e's sub-block (Q3_K: scale - 32).
// All integers fit int32 with margin; the SIMD variants compute them with maddubs/madd (or VNNI)
// on unsigned quants, which is exact for these value ranges.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ifl-ggml-types.h"
#include "ifl-kernels.h"
#include "ifl-matmul.h"
#include "ifl-qact.h"

namespace ifl {

class thread_pool;

// Rows [o0, o1) of a fast matmul for every token (validated by the caller).
struct qmatmul_job {
    ggml_type       type;
    const uint8_t * w;          // [n_out] rows of row_bytes
    size_t          row_bytes;
    int64_t         n_in;
    qact_layout     act_layout;
    const uint8_t * act;        // [n_tokens] prepared rows of act_layout.row_bytes, 64-byte aligned
    int64_t         n_tokens;
    float *         y;          // [n_tokens, n_out], row stride y_stride floats
    int64_t         y_stride;
};

// The definition above, scalar: output (o, t) of the job.
float qdot_ref(const qmatmul_job & j, int64_t o, int64_t t);

// numerics::fast behind matmul_variant / vec_dot_variant (ifl-qmatmul.cpp): the caller has
// validated the call (sizes, strides, variant) and w.type has a fast path (qdot_type_has_fast).
void  qmatmul(kernel_variant v, const weight_view & w, const float * x, int64_t n_tokens, float * y, thread_pool & pool,
              int64_t x_stride, int64_t y_stride);
float qvec_dot(kernel_variant v, ggml_type t, int64_t n, const void * w_row, const float * x);

} // namespace ifl
