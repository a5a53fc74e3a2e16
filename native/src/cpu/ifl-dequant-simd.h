// ifl-dequant-simd.h — AVX2 dequantization of GGML blocks to float32, included (inside an
// anonymous namespace) by each SIMD variant translation unit; the AVX-512 one compiles the same
// code with wider flags. Every value equals dequantize_row_ref bit for bit: products of scale
// and quant are exact in float32 (see ifl-quants.h) and the one addition of a min term is a
// single rounding, here fused (fmadd/fmsub of an exact product), there a float32 add.
// Include only from a variant .cpp, inside `namespace {`.
#pragma once

#if !defined(IFL_KERNEL_VARIANT_TU)
#error "ifl-dequant-simd.h is included only by ifl-kernels-<variant>.cpp"
#endif

// ---- small helpers ----------------------------------------------------------------------

// 8 unsigned bytes (low 64 bits of v) -> 8 floats.
inline __m256 u8x8_to_ps(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); }

// 16 bytes -> two groups of 8 floats, y = fmadd(q, a, b) or mul when b is null.
inline void store16_fmadd(__m128i q16, __m256 a, __m256 b, float * y) {
    _mm256_storeu_ps(y, _mm256_fmadd_ps(u8x8_to_ps(q16), a, b));
    _mm256_storeu_ps(y + 8, _mm256_fmadd_ps(u8x8_to_ps(_mm_srli_si128(q16, 8)), a, b));
}
// y = a * q - b (exact product, one rounding): the K-quant "scale * q - min" form.
inline void store16_fmsub(__m128i q16, __m256 a, __m256 b, float * y) {
    _mm256_storeu_ps(y, _mm256_fmsub_ps(a, u8x8_to_ps(q16), b));
    _mm256_storeu_ps(y + 8, _mm256_fmsub_ps(a, u8x8_to_ps(_mm_srli_si128(q16, 8)), b));
}
// y = (q + off) * a: symmetric formats, q + off is a small exact integer.
inline void store16_offset_mul(__m128i q16, __m256 off, __m256 a, float * y) {
    _mm256_storeu_ps(y, _mm256_mul_ps(_mm256_add_ps(u8x8_to_ps(q16), off), a));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(_mm256_add_ps(u8x8_to_ps(_mm_srli_si128(q16, 8)), off), a));
}
inline __m128i lo128(__m256i v) { return _mm256_castsi256_si128(v); }
inline __m128i hi128(__m256i v) { return _mm256_extracti128_si256(v, 1); }
inline __m128i srl16(__m128i v, int n) { return _mm_srl_epi16(v, _mm_cvtsi32_si128(n)); }
inline __m256i srl16(__m256i v, int n) { return _mm256_srl_epi16(v, _mm_cvtsi32_si128(n)); }
inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

// The 16 fifth bits of a Q5 block for elements e0..e0+15 as bytes 0x10 / 0x00.
inline __m128i q5_high_bytes(uint32_t qh, int e0) {
    const __m128i bits = _mm_set1_epi16((short)(uint16_t)(qh >> e0));         // 16 bits, twice per lane
    const __m128i shuf = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m128i sel  = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const __m128i b    = _mm_and_si128(_mm_shuffle_epi8(bits, shuf), sel);
    return _mm_and_si128(_mm_cmpeq_epi8(b, sel), _mm_set1_epi8(0x10));
}

// ---- one block of each format -----------------------------------------------------------

inline void dq_q4_0(const ifl::block_q4_0 & b, float * y) {
    const __m256 d = _mm256_set1_ps(h2f(b.d)), off = _mm256_set1_ps(-8.0f);
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F);
    store16_offset_mul(_mm_and_si128(q, m4), off, d, y);
    store16_offset_mul(_mm_and_si128(_mm_srli_epi16(q, 4), m4), off, d, y + 16);
}

inline void dq_q4_1(const ifl::block_q4_1 & b, float * y) {
    const __m256 d = _mm256_set1_ps(h2f(b.d)), m = _mm256_set1_ps(h2f(b.m));
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F);
    store16_fmadd(_mm_and_si128(q, m4), d, m, y);
    store16_fmadd(_mm_and_si128(_mm_srli_epi16(q, 4), m4), d, m, y + 16);
}

inline void dq_q5_0(const ifl::block_q5_0 & b, float * y) {
    const __m256 d = _mm256_set1_ps(h2f(b.d)), off = _mm256_set1_ps(-16.0f);
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F);
    store16_offset_mul(_mm_or_si128(_mm_and_si128(q, m4), q5_high_bytes(qh, 0)), off, d, y);
    store16_offset_mul(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(q, 4), m4), q5_high_bytes(qh, 16)), off, d, y + 16);
}

inline void dq_q5_1(const ifl::block_q5_1 & b, float * y) {
    const __m256 d = _mm256_set1_ps(h2f(b.d)), m = _mm256_set1_ps(h2f(b.m));
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F);
    store16_fmadd(_mm_or_si128(_mm_and_si128(q, m4), q5_high_bytes(qh, 0)), d, m, y);
    store16_fmadd(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(q, 4), m4), q5_high_bytes(qh, 16)), d, m, y + 16);
}

inline void dq_q8_0(const ifl::block_q8_0 & b, float * y) {
    const __m256 d = _mm256_set1_ps(h2f(b.d));
    for (int i = 0; i < 4; ++i) {
        const __m128i q = _mm_loadl_epi64((const __m128i *)(b.qs + 8 * i));
        _mm256_storeu_ps(y + 8 * i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    }
}

// Element 128n + 32j + 16h + l: bits 2j of qs[32n + 16h + l], sub-block 8n + 2j + h.
inline void dq_q2_k(const ifl::block_q2_k & b, float * y) {
    const float d = h2f(b.d), dmin = h2f(b.dmin);
    const __m128i m3 = _mm_set1_epi8(3);
    for (int n = 0; n < 2; ++n)
        for (int j = 0; j < 4; ++j)
            for (int h = 0; h < 2; ++h, y += 16) {
                const uint8_t sc = b.scales[8 * n + 2 * j + h];
                const __m128i q = _mm_and_si128(srl16(_mm_loadu_si128((const __m128i *)(b.qs + 32 * n + 16 * h)), 2 * j), m3);
                store16_fmsub(q, _mm256_set1_ps(d * (float)(sc & 0xF)), _mm256_set1_ps(dmin * (float)(sc >> 4)), y);
            }
}

// As Q2_K; bit (4n + j) of hmask[16h + l] set adds 4 to (q - 4).
inline void dq_q3_k(const ifl::block_q3_k & b, float * y) {
    const float d = h2f(b.d);
    int8_t sc[16];
    ifl::q3k_scales(b.scales, sc);
    const __m128i m3 = _mm_set1_epi8(3), one = _mm_set1_epi8(1);
    const __m256 off = _mm256_set1_ps(-4.0f);
    const __m128i hm[2] = {_mm_loadu_si128((const __m128i *)b.hmask), _mm_loadu_si128((const __m128i *)(b.hmask + 16))};
    for (int n = 0; n < 2; ++n)
        for (int j = 0; j < 4; ++j)
            for (int h = 0; h < 2; ++h, y += 16) {
                const __m128i lo = _mm_and_si128(srl16(_mm_loadu_si128((const __m128i *)(b.qs + 32 * n + 16 * h)), 2 * j), m3);
                const __m128i hb = _mm_and_si128(srl16(hm[h], 4 * n + j), one);
                const __m128i q  = _mm_or_si128(lo, _mm_slli_epi16(hb, 2));   // 0..7 = value + 4
                store16_offset_mul(q, off, _mm256_set1_ps(d * (float)sc[8 * n + 2 * j + h]), y);
            }
}

// 32 quant bytes -> 32 floats y = a * q - b.
inline void store32_fmsub(__m256i q, __m256 a, __m256 b, float * y) {
    store16_fmsub(lo128(q), a, b, y);
    store16_fmsub(hi128(q), a, b, y + 16);
}

// Element 64g + 32h + l: nibble h of qs[32g + l] (Q5_K: + 16 * bit (2g + h) of qh[l]).
template <bool Q5>
inline void dq_q45_k(uint16_t dh, uint16_t dminh, const uint8_t * scales, const uint8_t * qh, const uint8_t * qs, float * y) {
    const float d = h2f(dh), dmin = h2f(dminh);
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    __m256i hbits = _mm256_setzero_si256();
    if (Q5) hbits = _mm256_loadu_si256((const __m256i *)qh);
    for (int g = 0; g < 4; ++g) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * g));
        for (int h = 0; h < 2; ++h, y += 32) {
            __m256i v = _mm256_and_si256(h ? _mm256_srli_epi16(q, 4) : q, m4);
            if (Q5) v = _mm256_or_si256(v, _mm256_slli_epi16(_mm256_and_si256(srl16(hbits, 2 * g + h), one), 4));
            uint8_t sc, m;
            ifl::q4k_scale_min(2 * g + h, scales, sc, m);
            store32_fmsub(v, _mm256_set1_ps(d * (float)sc), _mm256_set1_ps(dmin * (float)m), y);
        }
    }
}

// Element 128n + 32k + l: nibble (k >> 1) of ql[64n + 32(k & 1) + l] | bits 2k of qh[32n + l]
// << 4; value (d * scale[8n + 2k + l/16]) * (q - 32).
inline void dq_q6_k(const ifl::block_q6_k & b, float * y) {
    const float d = h2f(b.d);
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3);
    const __m256 off = _mm256_set1_ps(-32.0f);
    for (int n = 0; n < 2; ++n) {
        const __m256i qh = _mm256_loadu_si256((const __m256i *)(b.qh + 32 * n));
        for (int k = 0; k < 4; ++k, y += 32) {
            const __m256i ql = _mm256_loadu_si256((const __m256i *)(b.ql + 64 * n + 32 * (k & 1)));
            const __m256i lo = _mm256_and_si256((k >> 1) ? _mm256_srli_epi16(ql, 4) : ql, m4);
            const __m256i hi = _mm256_slli_epi16(_mm256_and_si256(srl16(qh, 2 * k), m3), 4);
            const __m256i q  = _mm256_or_si256(lo, hi);
            store16_offset_mul(lo128(q), off, _mm256_set1_ps(d * (float)b.scales[8 * n + 2 * k]), y);
            store16_offset_mul(hi128(q), off, _mm256_set1_ps(d * (float)b.scales[8 * n + 2 * k + 1]), y + 16);
        }
    }
}

inline void dq_f16(const uint16_t * src, float * y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; ++i) y[i] = h2f(src[i]);
}

inline void dq_bf16(const uint16_t * src, float * y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
    }
    for (; i < n; ++i) y[i] = ifl::bf16_to_f32(src[i]);
}

template <class B, void (*F)(const B &, float *)>
inline void dq_blocks(const uint8_t * row, int64_t b0, int64_t nb, int64_t qk, float * y) {
    const B * blocks = reinterpret_cast<const B *>(row) + b0;
    for (int64_t i = 0; i < nb; ++i) F(blocks[i], y + i * qk);
}
inline void dq_q4_k(const ifl::block_q4_k & b, float * y) { dq_q45_k<false>(b.d, b.dmin, b.scales, nullptr, b.qs, y); }
inline void dq_q5_k(const ifl::block_q5_k & b, float * y) { dq_q45_k<true>(b.d, b.dmin, b.scales, b.qh, b.qs, y); }

// Elements [k0, k0 + n) of one row (k0 and n multiples of the block size) -> y[0..n).
inline void dequant_range(ifl::ggml_type t, const uint8_t * row, int64_t k0, int64_t n, float * y) {
    using ifl::ggml_type;
    switch (t) {
        case ggml_type::f32: std::memcpy(y, row + 4 * k0, (size_t)n * 4); break;
        case ggml_type::f16: dq_f16(reinterpret_cast<const uint16_t *>(row) + k0, y, n); break;
        case ggml_type::bf16: dq_bf16(reinterpret_cast<const uint16_t *>(row) + k0, y, n); break;
        case ggml_type::q4_0: dq_blocks<ifl::block_q4_0, dq_q4_0>(row, k0 / 32, n / 32, 32, y); break;
        case ggml_type::q4_1: dq_blocks<ifl::block_q4_1, dq_q4_1>(row, k0 / 32, n / 32, 32, y); break;
        case ggml_type::q5_0: dq_blocks<ifl::block_q5_0, dq_q5_0>(row, k0 / 32, n / 32, 32, y); break;
        case ggml_type::q5_1: dq_blocks<ifl::block_q5_1, dq_q5_1>(row, k0 / 32, n / 32, 32, y); break;
        case ggml_type::q8_0: dq_blocks<ifl::block_q8_0, dq_q8_0>(row, k0 / 32, n / 32, 32, y); break;
        case ggml_type::q2_k: dq_blocks<ifl::block_q2_k, dq_q2_k>(row, k0 / 256, n / 256, 256, y); break;
        case ggml_type::q3_k: dq_blocks<ifl::block_q3_k, dq_q3_k>(row, k0 / 256, n / 256, 256, y); break;
        case ggml_type::q4_k: dq_blocks<ifl::block_q4_k, dq_q4_k>(row, k0 / 256, n / 256, 256, y); break;
        case ggml_type::q5_k: dq_blocks<ifl::block_q5_k, dq_q5_k>(row, k0 / 256, n / 256, 256, y); break;
        case ggml_type::q6_k: dq_blocks<ifl::block_q6_k, dq_q6_k>(row, k0 / 256, n / 256, 256, y); break;
        default: break;  // unreachable: callers validate the type
    }
}
