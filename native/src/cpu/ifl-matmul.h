// ifl-matmul.h — y = x W^T for a GGUF weight matrix of any supported type, parallel over output
// rows, bitwise independent of n_tokens, token batching and thread count (see ifl-kernels.h for
// the accumulation order). Small batches (decode) dequantize 256-column chunks of a few rows into
// L1 scratch and stream the weights once; large batches (prefill) reuse each dequantized chunk
// across a block of tokens with a register-blocked micro-kernel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ifl-ggml-types.h"
#include "ifl-kernels.h"

namespace ifl {

class thread_pool;

struct weight_view {          // a 2-D GGUF tensor: n_out rows of n_in elements
    ggml_type    type;
    const void * data;        // row-major rows, row_bytes apart
    int64_t      n_in;        // ne[0], multiple of the type's block size
    int64_t      n_out;       // ne[1]
    size_t       row_bytes;   // >= ggml_row_size(type, n_in)
};

// y[t, o] = sum_k dequant(w)[o, k] * x[t, k]
//   x: [n_tokens, n_in] f32 row-major (row stride x_stride floats, default n_in)
//   y: [n_tokens, n_out] f32 row-major (row stride y_stride floats, default n_out)
// Throws ifl::error(invalid_argument) for an unsupported type or inconsistent sizes.
void matmul(const weight_view & w, const float * x, int64_t n_tokens, float * y, thread_pool & pool,
            int64_t x_stride = 0, int64_t y_stride = 0);
void matmul_variant(kernel_variant v, const weight_view & w, const float * x, int64_t n_tokens, float * y,
                    thread_pool & pool, int64_t x_stride = 0, int64_t y_stride = 0);
// The same with a choice of numerics: numerics::fast quantizes each row of x once per call for
// the weight type (Q8_0 / Q8_1 / Q8_K) and runs the integer kernels of ifl-qdot.h, also
// bitwise independent of n_tokens, token batching and thread count; exact (and any
// F32/F16/BF16 weight) is the call above.
void matmul(const weight_view & w, const float * x, int64_t n_tokens, float * y, thread_pool & pool, numerics num,
            int64_t x_stride = 0, int64_t y_stride = 0);
void matmul_variant(kernel_variant v, const weight_view & w, const float * x, int64_t n_tokens, float * y,
                    thread_pool & pool, numerics num, int64_t x_stride = 0, int64_t y_stride = 0);

// One row of an embedding table (any supported type) -> f32: dst[0..n_in), exact.
void get_row(const weight_view & w, int64_t row, float * dst);

} // namespace ifl
