// ifl-kv-convert.h — encoding of stored key/value rows into their element type and decoding
// back to float32 (types: ifl-kv-type.h). Decoding is exact for f16 (binary16 -> float32) and
// for q8 computes (float)q * scale with one float32 rounding, so the SIMD and scalar paths give
// identical values. Encoding is scalar (it runs once per token when a block is cut).
#pragma once

#include <cstdint>

#include "ifl-kv-type.h"

namespace ifl {

// One row of d floats -> d binary16 values.
void kv_encode_f16(const float * src, int d, uint16_t * dst);
// One row of d floats -> d int8 values; returns the row's scale (0 for an all-zero row).
float kv_encode_q8(const float * src, int d, int8_t * dst);

// Decodes n_rows rows of d elements into dst [n_rows, d] f32. Row r starts at element
// r * row_stride of `src` (elements of type t); q8 rows use scales[r * scale_stride].
void kv_decode_rows(kv_type t, const void * src, int64_t row_stride, const float * scales, int64_t scale_stride,
                    int64_t n_rows, int d, float * dst);

} // namespace ifl
