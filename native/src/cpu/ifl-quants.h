// ifl-quants.h — GGML quantized block layouts (byte-exact copies of ggml-common.h) and the
// scalar reference dequantizer. The reference reproduces GGML's dequantize_row_* float32 values
// exactly: every product in these formats is exact in float32 (fp16 scale: 11 significant bits,
// sub-block scale <= 8, quant <= 6, total <= 23 < 24), so the only rounding is one final addition
// of a min term, which float32 arithmetic and FMA round identically.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ifl-ggml-types.h"

namespace ifl {

constexpr int QK4_0 = 32, QK4_1 = 32, QK5_0 = 32, QK5_1 = 32, QK8_0 = 32;
constexpr int K_SCALE_SIZE = 12;

struct block_q4_0 { uint16_t d; uint8_t qs[QK4_0 / 2]; };                    // y = d * (q - 8)
struct block_q4_1 { uint16_t d, m; uint8_t qs[QK4_1 / 2]; };                 // y = d * q + m
struct block_q5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; };     // y = d * (q - 16)
struct block_q5_1 { uint16_t d, m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; };  // y = d * q + m
struct block_q8_0 { uint16_t d; int8_t qs[QK8_0]; };                         // y = d * q
// 16 sub-blocks of 16: y = d * (scale & 15) * q - dmin * (scale >> 4), q 2 bits.
struct block_q2_k { uint8_t scales[QK_K / 16]; uint8_t qs[QK_K / 4]; uint16_t d, dmin; };
// 16 sub-blocks of 16: y = d * (scale6 - 32) * (q2 - (hbit ? 0 : 4)).
struct block_q3_k { uint8_t hmask[QK_K / 8]; uint8_t qs[QK_K / 4]; uint8_t scales[12]; uint16_t d; };
// 8 sub-blocks of 32: y = d * scale6 * q4 - dmin * min6.
struct block_q4_k { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; };
// 8 sub-blocks of 32: y = d * scale6 * q5 - dmin * min6.
struct block_q5_k { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; };
// 16 sub-blocks of 16: y = d * scale8 * (q6 - 32).
struct block_q6_k { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; };

static_assert(sizeof(block_q4_0) == 18 && sizeof(block_q4_1) == 20, "q4 block size");
static_assert(sizeof(block_q5_0) == 22 && sizeof(block_q5_1) == 24, "q5 block size");
static_assert(sizeof(block_q8_0) == 34, "q8_0 block size");
static_assert(sizeof(block_q2_k) == 84 && sizeof(block_q3_k) == 110, "q2_k/q3_k block size");
static_assert(sizeof(block_q4_k) == 144 && sizeof(block_q5_k) == 176, "q4_k/q5_k block size");
static_assert(sizeof(block_q6_k) == 210, "q6_k block size");

// Unpacks the 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K block.
static inline void q4k_scale_min(int j, const uint8_t * q, uint8_t & sc, uint8_t & m) {
    if (j < 4) {
        sc = q[j] & 63;
        m  = q[j + 4] & 63;
    } else {
        sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        m  = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// Unpacks the sixteen 6-bit scales of a Q3_K block, minus 32 (-32..31).
static inline void q3k_scales(const uint8_t * packed, int8_t out[16]) {
    for (int s = 0; s < 16; ++s) {
        const int lo = s < 8 ? (packed[s] & 0xF) : (packed[s - 8] >> 4);
        const int hi = (packed[8 + (s & 3)] >> (2 * (s >> 2))) & 3;
        out[s] = (int8_t)((lo | (hi << 4)) - 32);
    }
}

// True for the types dequantize_row_ref / the kernels accept (F32 F16 BF16 and the ten quants).
bool quants_type_supported(ggml_type t);

// Traits of a supported type, checked once against the block structs above (sizeof ==
// type_size, so the GGUF reader's sizes and these layouts cannot drift apart); throws
// ifl::error(invalid_argument) for an unknown or unsupported type.
const ggml_type_traits & quants_traits(ggml_type t, const char * what);

// Scalar reference: n elements (a multiple of the block size, checked) of type t -> float32.
// Throws ifl::error(invalid_argument) for an unsupported type or a bad n.
void dequantize_row_ref(ggml_type t, const void * src, float * dst, int64_t n);

} // namespace ifl
