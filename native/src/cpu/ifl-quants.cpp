// ifl-quants.cpp — scalar reference dequantizer for every supported GGML type.
// Written for clarity, one loop per block layout; the fast paths live in the kernel variants
// and are tested to produce the same float32 bits.
#include "ifl-quants.h"

#include <cstring>

#include "ifl-error.h"
#include "ifl-fp16.h"

namespace ifl {

bool quants_type_supported(ggml_type t) {
    const ggml_type_traits * tr = ggml_type_get_traits((uint32_t)t);
    return tr && tr->supported;  // the traits table marks the types this engine computes with
}

namespace {

size_t block_bytes(ggml_type t) {
    switch (t) {
        case ggml_type::f32: return 4;
        case ggml_type::f16: case ggml_type::bf16: return 2;
        case ggml_type::q4_0: return sizeof(block_q4_0);
        case ggml_type::q4_1: return sizeof(block_q4_1);
        case ggml_type::q5_0: return sizeof(block_q5_0);
        case ggml_type::q5_1: return sizeof(block_q5_1);
        case ggml_type::q8_0: return sizeof(block_q8_0);
        case ggml_type::q2_k: return sizeof(block_q2_k);
        case ggml_type::q3_k: return sizeof(block_q3_k);
        case ggml_type::q4_k: return sizeof(block_q4_k);
        case ggml_type::q5_k: return sizeof(block_q5_k);
        case ggml_type::q6_k: return sizeof(block_q6_k);
        default: return 0;
    }
}

void deq_q4_0(const block_q4_0 & b, float * y) {
    const float d = fp16_to_f32(b.d);
    for (int j = 0; j < 16; ++j) {
        y[j]      = (float)((b.qs[j] & 0xF) - 8) * d;
        y[j + 16] = (float)((b.qs[j] >> 4) - 8) * d;
    }
}

void deq_q4_1(const block_q4_1 & b, float * y) {
    const float d = fp16_to_f32(b.d), m = fp16_to_f32(b.m);
    for (int j = 0; j < 16; ++j) {
        y[j]      = (float)(b.qs[j] & 0xF) * d + m;
        y[j + 16] = (float)(b.qs[j] >> 4) * d + m;
    }
}

// 5-bit quant j (0..31): nibble of qs[j % 16] plus bit j of qh as the fifth bit.
int q5_value(const uint8_t * qs, uint32_t qh, int j) {
    const int nib = j < 16 ? (qs[j] & 0xF) : (qs[j - 16] >> 4);
    return nib | (int)(((qh >> j) & 1u) << 4);
}

void deq_q5_0(const block_q5_0 & b, float * y) {
    const float d = fp16_to_f32(b.d);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < 32; ++j) y[j] = (float)(q5_value(b.qs, qh, j) - 16) * d;
}

void deq_q5_1(const block_q5_1 & b, float * y) {
    const float d = fp16_to_f32(b.d), m = fp16_to_f32(b.m);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    for (int j = 0; j < 32; ++j) y[j] = (float)q5_value(b.qs, qh, j) * d + m;
}

void deq_q8_0(const block_q8_0 & b, float * y) {
    const float d = fp16_to_f32(b.d);
    for (int j = 0; j < 32; ++j) y[j] = (float)b.qs[j] * d;
}

// Q2_K: element 128n + 32j + 16h + l takes bits 2j of qs[32n + 16h + l], sub-block 8n + 2j + h.
void deq_q2_k(const block_q2_k & b, float * y) {
    const float d = fp16_to_f32(b.d), dmin = fp16_to_f32(b.dmin);
    for (int n = 0; n < 2; ++n)
        for (int j = 0; j < 4; ++j)
            for (int h = 0; h < 2; ++h) {
                const uint8_t sc = b.scales[8 * n + 2 * j + h];
                const float dl = d * (float)(sc & 0xF), ml = dmin * (float)(sc >> 4);
                const uint8_t * q = b.qs + 32 * n + 16 * h;
                for (int l = 0; l < 16; ++l) *y++ = dl * (float)((q[l] >> (2 * j)) & 3) - ml;
            }
}

// Q3_K: as Q2_K for the low bits; bit (4n + j) of hmask[16h + l] clear means "minus 4".
void deq_q3_k(const block_q3_k & b, float * y) {
    const float d = fp16_to_f32(b.d);
    int8_t sc[16];
    q3k_scales(b.scales, sc);
    for (int n = 0; n < 2; ++n)
        for (int j = 0; j < 4; ++j)
            for (int h = 0; h < 2; ++h) {
                const float dl = d * (float)sc[8 * n + 2 * j + h];
                const uint8_t * q = b.qs + 32 * n + 16 * h;
                const uint8_t * hm = b.hmask + 16 * h;
                for (int l = 0; l < 16; ++l) {
                    const int v = ((q[l] >> (2 * j)) & 3) - (((hm[l] >> (4 * n + j)) & 1) ? 0 : 4);
                    *y++ = dl * (float)v;
                }
            }
}

// Q4_K / Q5_K: element 64g + 32h + l is nibble h of qs[32g + l] (+16 if bit 2g+h of qh[l]).
void deq_q4_k(const block_q4_k & b, float * y) {
    const float d = fp16_to_f32(b.d), dmin = fp16_to_f32(b.dmin);
    for (int g = 0; g < 4; ++g)
        for (int h = 0; h < 2; ++h) {
            uint8_t sc, m;
            q4k_scale_min(2 * g + h, b.scales, sc, m);
            const float d1 = d * (float)sc, m1 = dmin * (float)m;
            for (int l = 0; l < 32; ++l) {
                const uint8_t q = b.qs[32 * g + l];
                *y++ = d1 * (float)(h ? q >> 4 : q & 0xF) - m1;
            }
        }
}

void deq_q5_k(const block_q5_k & b, float * y) {
    const float d = fp16_to_f32(b.d), dmin = fp16_to_f32(b.dmin);
    for (int g = 0; g < 4; ++g)
        for (int h = 0; h < 2; ++h) {
            uint8_t sc, m;
            q4k_scale_min(2 * g + h, b.scales, sc, m);
            const float d1 = d * (float)sc, m1 = dmin * (float)m;
            for (int l = 0; l < 32; ++l) {
                const uint8_t q = b.qs[32 * g + l];
                const int v = (h ? q >> 4 : q & 0xF) + (((b.qh[l] >> (2 * g + h)) & 1) << 4);
                *y++ = d1 * (float)v - m1;
            }
        }
}

// Q6_K: element 128n + 32k + l: nibble (k >> 1) of ql[64n + 32(k & 1) + l], bits 2k of
// qh[32n + l] as bits 4-5; scale index 8n + 2k + l/16; value (d * scale) * (q - 32).
void deq_q6_k(const block_q6_k & b, float * y) {
    const float d = fp16_to_f32(b.d);
    for (int n = 0; n < 2; ++n)
        for (int k = 0; k < 4; ++k)
            for (int l = 0; l < 32; ++l) {
                const uint8_t lo = b.ql[64 * n + 32 * (k & 1) + l];
                const int q = ((k >> 1) ? lo >> 4 : lo & 0xF) | (((b.qh[32 * n + l] >> (2 * k)) & 3) << 4);
                *y++ = d * (float)b.scales[8 * n + 2 * k + l / 16] * (float)(q - 32);
            }
}

template <class B, void (*F)(const B &, float *)>
void deq_blocks(const void * src, float * dst, int64_t nb, int64_t qk) {
    const B * b = static_cast<const B *>(src);
    for (int64_t i = 0; i < nb; ++i) F(b[i], dst + i * qk);
}

} // namespace

const ggml_type_traits & quants_traits(ggml_type t, const char * what) {
    const ggml_type_traits * tr = ggml_type_get_traits((uint32_t)t);
    if (!tr || !quants_type_supported(t)) throw_error(status::invalid_argument, "%s: unsupported tensor type %u", what, (unsigned)t);
    IFL_ASSERT(tr->type_size == block_bytes(t));
    return *tr;
}

void dequantize_row_ref(ggml_type t, const void * src, float * dst, int64_t n) {
    const ggml_type_traits * tr = &quants_traits(t, "dequantize");
    if (n < 0 || n % tr->block_size != 0)
        throw_error(status::invalid_argument, "dequantize: %lld is not a multiple of the %s block size", (long long)n, tr->name);
    const int64_t nb = n / tr->block_size;
    switch (t) {
        case ggml_type::f32: std::memcpy(dst, src, (size_t)n * 4); break;
        case ggml_type::f16: {
            const uint16_t * h = static_cast<const uint16_t *>(src);
            for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_f32_scalar(h[i]);
            break;
        }
        case ggml_type::bf16: {
            const uint16_t * h = static_cast<const uint16_t *>(src);
            for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
            break;
        }
        case ggml_type::q4_0: deq_blocks<block_q4_0, deq_q4_0>(src, dst, nb, 32); break;
        case ggml_type::q4_1: deq_blocks<block_q4_1, deq_q4_1>(src, dst, nb, 32); break;
        case ggml_type::q5_0: deq_blocks<block_q5_0, deq_q5_0>(src, dst, nb, 32); break;
        case ggml_type::q5_1: deq_blocks<block_q5_1, deq_q5_1>(src, dst, nb, 32); break;
        case ggml_type::q8_0: deq_blocks<block_q8_0, deq_q8_0>(src, dst, nb, 32); break;
        case ggml_type::q2_k: deq_blocks<block_q2_k, deq_q2_k>(src, dst, nb, QK_K); break;
        case ggml_type::q3_k: deq_blocks<block_q3_k, deq_q3_k>(src, dst, nb, QK_K); break;
        case ggml_type::q4_k: deq_blocks<block_q4_k, deq_q4_k>(src, dst, nb, QK_K); break;
        case ggml_type::q5_k: deq_blocks<block_q5_k, deq_q5_k>(src, dst, nb, QK_K); break;
        case ggml_type::q6_k: deq_blocks<block_q6_k, deq_q6_k>(src, dst, nb, QK_K); break;
        default: throw_error(status::invalid_argument, "dequantize: unsupported type %s", tr->name);
    }
}

} // namespace ifl
