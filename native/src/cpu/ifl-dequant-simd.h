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

// The first n < 8 floats at p, the other lanes 0 (nothing past p + n is read).
inline __m256 load_tail8(const float * p, int n) {
    alignas(32) static const int32_t k_mask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_maskload_ps(p, _mm256_loadu_si256((const __m256i *)(k_mask + 8 - n)));
}
// Fixed lane-sum tree of 8 floats: (l, l+4) -> (l, l+2) -> (0, 1).
inline float reduce8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// 8 unsigned bytes (low 64 bits of v) -> 8 floats.
inline __m256 u8x8_to_ps(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(v)); }

// Every block decoder hands its values to a sink, 8 at a time in increasing element order:
// sink(off, v) receives elements [off, off + 8) of the block. store_sink writes them out;
// the fused decode in ifl-matmul-simd.h multiplies them into an accumulator instead.
struct store_sink {
    float * y;
    void operator()(int off, __m256 v) { _mm256_storeu_ps(y + off, v); }
};

// 16 quant bytes -> elements [off, off + 16) = fmadd(q, a, b) (Q4_1/Q5_1: d * q + m).
template <class S>
inline void emit16_fmadd(__m128i q16, __m256 a, __m256 b, S & s, int off) {
    s(off, _mm256_fmadd_ps(u8x8_to_ps(q16), a, b));
    s(off + 8, _mm256_fmadd_ps(u8x8_to_ps(_mm_unpackhi_epi64(q16, q16)), a, b));
}
// 16 quant bytes -> a * q - b, one rounding of an exact product (K-quant "scale * q - min").
template <class S>
inline void emit16_fmsub(__m128i q16, __m256 a, __m256 b, S & s, int off) {
    s(off, _mm256_fmsub_ps(a, u8x8_to_ps(q16), b));
    s(off + 8, _mm256_fmsub_ps(a, u8x8_to_ps(_mm_unpackhi_epi64(q16, q16)), b));
}
// 16 signed bytes (q - offset, subtracted in int8) -> (float)q * a, the reference's own
// operation (so that even the sign of a zero result matches).
template <class S>
inline void emit16_mul_s8(__m128i q16, __m256 a, S & s, int off) {
    s(off, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q16)), a));
    s(off + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(q16, q16))), a));
}
template <class S>
inline void emit32_fmsub(__m256i q, __m256 a, __m256 b, S & s, int off) {
    emit16_fmsub(_mm256_castsi256_si128(q), a, b, s, off);
    emit16_fmsub(_mm256_extracti128_si256(q, 1), a, b, s, off + 16);
}
inline __m128i srl16(__m128i v, int n) { return _mm_srl_epi16(v, _mm_cvtsi32_si128(n)); }
inline __m256i srl16(__m256i v, int n) { return _mm256_srl_epi16(v, _mm_cvtsi32_si128(n)); }
inline float h2f(uint16_t h) { return _cvtsh_ss(h); }
inline __m256 bcast(const float * p) { return _mm256_broadcast_ss(p); }

// out[0..8) = scale * (float)bytes[0..8) for 8 unsigned bytes packed in a uint64.
inline void scaled_u8x8(uint64_t bytes, float scale, float * out) {
    _mm256_store_ps(out, _mm256_mul_ps(u8x8_to_ps(_mm_cvtsi64_si128((long long)bytes)), _mm256_set1_ps(scale)));
}
inline uint64_t pack2(uint32_t lo, uint32_t hi) { return (uint64_t)lo | ((uint64_t)hi << 32); }

// The 16 fifth bits of a Q5 block for elements e0..e0+15 as bytes 0x10 / 0x00.
inline __m128i q5_high_bytes(uint32_t qh, int e0) {
    const __m128i bits = _mm_set1_epi16((short)(uint16_t)(qh >> e0));         // 16 bits, twice per lane
    const __m128i shuf = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m128i sel  = _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const __m128i b    = _mm_and_si128(_mm_shuffle_epi8(bits, shuf), sel);
    return _mm_and_si128(_mm_cmpeq_epi8(b, sel), _mm_set1_epi8(0x10));
}

// ---- one block of each format -----------------------------------------------------------

template <class S>
inline void dq_q4_0(const ifl::block_q4_0 & b, S & s) {
    const __m256 d = _mm256_set1_ps(h2f(b.d));
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F), off = _mm_set1_epi8(8);
    emit16_mul_s8(_mm_sub_epi8(_mm_and_si128(q, m4), off), d, s, 0);
    emit16_mul_s8(_mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), m4), off), d, s, 16);
}

template <class S>
inline void dq_q4_1(const ifl::block_q4_1 & b, S & s) {
    const __m256 d = _mm256_set1_ps(h2f(b.d)), m = _mm256_set1_ps(h2f(b.m));
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F);
    emit16_fmadd(_mm_and_si128(q, m4), d, m, s, 0);
    emit16_fmadd(_mm_and_si128(_mm_srli_epi16(q, 4), m4), d, m, s, 16);
}

template <class S>
inline void dq_q5_0(const ifl::block_q5_0 & b, S & s) {
    const __m256 d = _mm256_set1_ps(h2f(b.d));
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F), off = _mm_set1_epi8(16);
    emit16_mul_s8(_mm_sub_epi8(_mm_or_si128(_mm_and_si128(q, m4), q5_high_bytes(qh, 0)), off), d, s, 0);
    emit16_mul_s8(_mm_sub_epi8(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(q, 4), m4), q5_high_bytes(qh, 16)), off), d, s, 16);
}

template <class S>
inline void dq_q5_1(const ifl::block_q5_1 & b, S & s) {
    const __m256 d = _mm256_set1_ps(h2f(b.d)), m = _mm256_set1_ps(h2f(b.m));
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    const __m128i q = _mm_loadu_si128((const __m128i *)b.qs), m4 = _mm_set1_epi8(0x0F);
    emit16_fmadd(_mm_or_si128(_mm_and_si128(q, m4), q5_high_bytes(qh, 0)), d, m, s, 0);
    emit16_fmadd(_mm_or_si128(_mm_and_si128(_mm_srli_epi16(q, 4), m4), q5_high_bytes(qh, 16)), d, m, s, 16);
}

template <class S>
inline void dq_q8_0(const ifl::block_q8_0 & b, S & s) {
    const __m256 d = _mm256_set1_ps(h2f(b.d));
    for (int i = 0; i < 4; ++i) {
        const __m128i q = _mm_loadl_epi64((const __m128i *)(b.qs + 8 * i));
        s(8 * i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    }
}

// Element 128n + 32j + 16h + l: bits 2j of qs[32n + 16h + l], sub-block s = 8n + 2j + h with
// scale d * (scales[s] & 15) and min dmin * (scales[s] >> 4), both exact.
template <class S>
inline void dq_q2_k(const ifl::block_q2_k & b, S & s) {
    const float d = h2f(b.d), dmin = h2f(b.dmin);
    alignas(32) float dl[16], ml[16];
    uint64_t sc[2];
    std::memcpy(sc, b.scales, 16);
    for (int i = 0; i < 2; ++i) {
        scaled_u8x8(sc[i] & 0x0F0F0F0F0F0F0F0Full, d, dl + 8 * i);
        scaled_u8x8((sc[i] >> 4) & 0x0F0F0F0F0F0F0F0Full, dmin, ml + 8 * i);
    }
    const __m128i m3 = _mm_set1_epi8(3);
    for (int n = 0; n < 2; ++n) {
        const __m128i q0 = _mm_loadu_si128((const __m128i *)(b.qs + 32 * n));
        const __m128i q1 = _mm_loadu_si128((const __m128i *)(b.qs + 32 * n + 16));
        for (int j = 0; j < 4; ++j) {
            const int sb = 8 * n + 2 * j, off = 128 * n + 32 * j;
            emit16_fmsub(_mm_and_si128(srl16(q0, 2 * j), m3), bcast(dl + sb), bcast(ml + sb), s, off);
            emit16_fmsub(_mm_and_si128(srl16(q1, 2 * j), m3), bcast(dl + sb + 1), bcast(ml + sb + 1), s, off + 16);
        }
    }
}

// The sixteen 6-bit Q3_K scales as bytes 0..63 (see q3k_scales): low nibbles from bytes 0-7
// (scales 0-7 low halves, 8-15 high halves), high bits from bytes 8-11, two bits per scale.
inline void q3k_scale_bytes(const uint8_t * packed, uint64_t out[2]) {
    uint32_t a[3];
    std::memcpy(a, packed, 12);
    const uint32_t k4 = 0x0F0F0F0Fu, k2 = 0x03030303u;
    out[0] = pack2((a[0] & k4) | ((a[2] & k2) << 4), (a[1] & k4) | (((a[2] >> 2) & k2) << 4));
    out[1] = pack2(((a[0] >> 4) & k4) | (((a[2] >> 4) & k2) << 4), ((a[1] >> 4) & k4) | (((a[2] >> 6) & k2) << 4));
}

// As Q2_K for the low bits; bit (4n + j) of hmask[16h + l] set adds 4: value = dl * (v - 4) with
// v = low | hbit << 2 in 0..7.
template <class S>
inline void dq_q3_k(const ifl::block_q3_k & b, S & s) {
    const float d = h2f(b.d);
    alignas(32) float dl[16];
    uint64_t sc[2];
    q3k_scale_bytes(b.scales, sc);
    for (int i = 0; i < 2; ++i) {
        const __m256 v = _mm256_sub_ps(u8x8_to_ps(_mm_cvtsi64_si128((long long)sc[i])), _mm256_set1_ps(32.0f));
        _mm256_store_ps(dl + 8 * i, _mm256_mul_ps(_mm256_set1_ps(d), v));
    }
    const __m128i m3 = _mm_set1_epi8(3), one = _mm_set1_epi8(1), four = _mm_set1_epi8(4);
    const __m128i hm0 = _mm_loadu_si128((const __m128i *)b.hmask), hm1 = _mm_loadu_si128((const __m128i *)(b.hmask + 16));
    for (int n = 0; n < 2; ++n) {
        const __m128i q0 = _mm_loadu_si128((const __m128i *)(b.qs + 32 * n));
        const __m128i q1 = _mm_loadu_si128((const __m128i *)(b.qs + 32 * n + 16));
        for (int j = 0; j < 4; ++j) {
            const int sb = 8 * n + 2 * j, off = 128 * n + 32 * j;
            const __m128i v0 = _mm_or_si128(_mm_and_si128(srl16(q0, 2 * j), m3), _mm_slli_epi16(_mm_and_si128(srl16(hm0, 4 * n + j), one), 2));
            const __m128i v1 = _mm_or_si128(_mm_and_si128(srl16(q1, 2 * j), m3), _mm_slli_epi16(_mm_and_si128(srl16(hm1, 4 * n + j), one), 2));
            emit16_mul_s8(_mm_sub_epi8(v0, four), bcast(dl + sb), s, off);
            emit16_mul_s8(_mm_sub_epi8(v1, four), bcast(dl + sb + 1), s, off + 16);
        }
    }
}

// The 6-bit scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block (see q4k_scale_min) as
// 8 bytes each, unpacked with 32-bit operations.
inline void q4k_scale_min_bytes(const uint8_t * packed, uint64_t * sc, uint64_t * mn) {
    uint32_t a[3];
    std::memcpy(a, packed, 12);
    const uint32_t k6 = 0x3F3F3F3Fu, k4 = 0x0F0F0F0Fu, k2 = 0x03030303u;
    *sc = pack2(a[0] & k6, (a[2] & k4) | (((a[0] >> 6) & k2) << 4));
    *mn = pack2(a[1] & k6, ((a[2] >> 4) & k4) | (((a[1] >> 6) & k2) << 4));
}

// Element 64g + 32h + l: nibble h of qs[32g + l] (Q5_K: + 16 * bit (2g + h) of qh[l]),
// sub-block 2g + h: y = (d * scale) * q - dmin * min.
template <bool Q5, class S>
inline void dq_q45_k(uint16_t dh, uint16_t dminh, const uint8_t * scales, const uint8_t * qh, const uint8_t * qs, S & s) {
    alignas(32) float d1[8], m1[8];
    uint64_t sc, mn;
    q4k_scale_min_bytes(scales, &sc, &mn);
    scaled_u8x8(sc, h2f(dh), d1);
    scaled_u8x8(mn, h2f(dminh), m1);
    const __m256i m4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    __m256i hbits = _mm256_setzero_si256();
    if (Q5) hbits = _mm256_loadu_si256((const __m256i *)qh);
    for (int g = 0; g < 4; ++g) {
        const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * g));
        __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
        if (Q5) {
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(srl16(hbits, 2 * g), one), 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(srl16(hbits, 2 * g + 1), one), 4));
        }
        emit32_fmsub(lo, bcast(d1 + 2 * g), bcast(m1 + 2 * g), s, 64 * g);
        emit32_fmsub(hi, bcast(d1 + 2 * g + 1), bcast(m1 + 2 * g + 1), s, 64 * g + 32);
    }
}

// Element 128n + 32k + l: nibble (k >> 1) of ql[64n + 32(k & 1) + l] | bits 2k of qh[32n + l]
// << 4; value (d * scale[8n + 2k + l/16]) * (q - 32).
template <class S>
inline void dq_q6_k(const ifl::block_q6_k & b, S & s) {
    const __m256 d = _mm256_set1_ps(h2f(b.d));
    alignas(32) float ds[16];
    for (int i = 0; i < 2; ++i)
        _mm256_store_ps(ds + 8 * i, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(b.scales + 8 * i))))));
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(3), off = _mm256_set1_epi8(32);
    for (int n = 0; n < 2; ++n) {
        const __m256i qh = _mm256_loadu_si256((const __m256i *)(b.qh + 32 * n));
        const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(b.ql + 64 * n));
        const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(b.ql + 64 * n + 32));
        for (int k = 0; k < 4; ++k) {
            const __m256i ql = (k & 1) ? ql1 : ql0;
            const __m256i lo = _mm256_and_si256((k >> 1) ? _mm256_srli_epi16(ql, 4) : ql, m4);
            const __m256i hi = _mm256_slli_epi16(_mm256_and_si256(srl16(qh, 2 * k), m3), 4);
            const __m256i q  = _mm256_sub_epi8(_mm256_or_si256(lo, hi), off);
            const int sb = 8 * n + 2 * k, off = 128 * n + 32 * k;
            emit16_mul_s8(_mm256_castsi256_si128(q), bcast(ds + sb), s, off);
            emit16_mul_s8(_mm256_extracti128_si256(q, 1), bcast(ds + sb + 1), s, off + 16);
        }
    }
}

template <class S>
inline void dq_q4_k(const ifl::block_q4_k & b, S & s) { dq_q45_k<false>(b.d, b.dmin, b.scales, nullptr, b.qs, s); }
template <class S>
inline void dq_q5_k(const ifl::block_q5_k & b, S & s) { dq_q45_k<true>(b.d, b.dmin, b.scales, b.qh, b.qs, s); }

// F16 / BF16 / F32 in groups of 8 elements (the fused decode) and whole rows (dequant_range).
template <class S>
inline void dq_f16_8(const uint16_t * src, S & s) { s(0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)src))); }
template <class S>
inline void dq_bf16_8(const uint16_t * src, S & s) {
    s(0, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)src)), 16)));
}
template <class S>
inline void dq_f32_8(const float * src, S & s) { s(0, _mm256_loadu_ps(src)); }

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

// Block decoders as types: block bytes, elements per block and run(block, sink).
#define IFL_BLOCK_DECODER(name, block_t, qk, fn)                                                   \
    struct name {                                                                              \
        static constexpr int64_t elems = qk;                                                   \
        static constexpr size_t bytes = sizeof(block_t);                                       \
        template <class S> static void run(const uint8_t * p, S & s) { fn(*reinterpret_cast<const block_t *>(p), s); } \
    };
IFL_BLOCK_DECODER(dec_q4_0, ifl::block_q4_0, 32, dq_q4_0)
IFL_BLOCK_DECODER(dec_q4_1, ifl::block_q4_1, 32, dq_q4_1)
IFL_BLOCK_DECODER(dec_q5_0, ifl::block_q5_0, 32, dq_q5_0)
IFL_BLOCK_DECODER(dec_q5_1, ifl::block_q5_1, 32, dq_q5_1)
IFL_BLOCK_DECODER(dec_q8_0, ifl::block_q8_0, 32, dq_q8_0)
IFL_BLOCK_DECODER(dec_q2_k, ifl::block_q2_k, 256, dq_q2_k)
IFL_BLOCK_DECODER(dec_q3_k, ifl::block_q3_k, 256, dq_q3_k)
IFL_BLOCK_DECODER(dec_q4_k, ifl::block_q4_k, 256, dq_q4_k)
IFL_BLOCK_DECODER(dec_q5_k, ifl::block_q5_k, 256, dq_q5_k)
IFL_BLOCK_DECODER(dec_q6_k, ifl::block_q6_k, 256, dq_q6_k)
#undef IFL_BLOCK_DECODER
// 8-element groups of the plain float formats (the tail of a row is handled by the caller).
struct dec_f16_8 {
    static constexpr int64_t elems = 8;
    static constexpr size_t bytes = 16;
    template <class S> static void run(const uint8_t * p, S & s) { dq_f16_8(reinterpret_cast<const uint16_t *>(p), s); }
};
struct dec_bf16_8 {
    static constexpr int64_t elems = 8;
    static constexpr size_t bytes = 16;
    template <class S> static void run(const uint8_t * p, S & s) { dq_bf16_8(reinterpret_cast<const uint16_t *>(p), s); }
};
struct dec_f32_8 {
    static constexpr int64_t elems = 8;
    static constexpr size_t bytes = 32;
    template <class S> static void run(const uint8_t * p, S & s) { dq_f32_8(reinterpret_cast<const float *>(p), s); }
};

template <class D>
inline void dq_blocks(const uint8_t * row, int64_t b0, int64_t nb, float * y) {
    for (int64_t i = 0; i < nb; ++i) {
        store_sink s{y + i * D::elems};
        D::run(row + (size_t)(b0 + i) * D::bytes, s);
    }
}

// Elements [k0, k0 + n) of one row (k0 and n multiples of the block size) -> y[0..n).
inline void dequant_range(ifl::ggml_type t, const uint8_t * row, int64_t k0, int64_t n, float * y) {
    using ifl::ggml_type;
    switch (t) {
        case ggml_type::f32: std::memcpy(y, row + 4 * k0, (size_t)n * 4); break;
        case ggml_type::f16: dq_f16(reinterpret_cast<const uint16_t *>(row) + k0, y, n); break;
        case ggml_type::bf16: dq_bf16(reinterpret_cast<const uint16_t *>(row) + k0, y, n); break;
        case ggml_type::q4_0: dq_blocks<dec_q4_0>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q4_1: dq_blocks<dec_q4_1>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q5_0: dq_blocks<dec_q5_0>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q5_1: dq_blocks<dec_q5_1>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q8_0: dq_blocks<dec_q8_0>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q2_k: dq_blocks<dec_q2_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q3_k: dq_blocks<dec_q3_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q4_k: dq_blocks<dec_q4_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q5_k: dq_blocks<dec_q5_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q6_k: dq_blocks<dec_q6_k>(row, k0 / 256, n / 256, y); break;
        default: break;  // unreachable: callers validate the type
    }
}
