// ifl-ggml-types.h — the GGML tensor type table (ids as stored in GGUF files).
// Knows every type id llama.cpp has assigned, so the GGUF reader can size and validate any
// tensor; `supported` marks the types this engine can compute with.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ifl {

enum class ggml_type : uint32_t {
    f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9,
    q2_k = 10, q3_k = 11, q4_k = 12, q5_k = 13, q6_k = 14, q8_k = 15,
    iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22,
    iq4_xs = 23, i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30,
    tq1_0 = 34, tq2_0 = 35, mxfp4 = 39,
};

constexpr int64_t QK_K = 256;  // k-quant super-block size

struct ggml_type_traits {
    const char * name;         // "Q4_K", as llama.cpp prints it
    int64_t      block_size;   // elements per block
    size_t       type_size;    // bytes per block
    bool         supported;    // this engine has dequantize/dot kernels for it
};

// Traits of a type id read from a file; nullptr for an id no GGML version has assigned.
const ggml_type_traits * ggml_type_get_traits(uint32_t type_id);

// Bytes of a row of n elements (n must be a multiple of the block size; checked by callers).
inline size_t ggml_row_size(const ggml_type_traits & t, int64_t n) {
    return (size_t)(n / t.block_size) * t.type_size;
}

} // namespace ifl
