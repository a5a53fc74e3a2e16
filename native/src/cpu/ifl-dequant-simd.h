// ifl-dequant-simd.h — AVX2 decoders of the GGML quant blocks, included (inside an anonymous
// namespace) by each SIMD variant translation unit; the AVX-512 one compiles the same code with
// wider flags. Every value equals dequantize_row_ref bit for bit: the products of scale and
// quant are exact in float32 (see ifl-quants.h), the one addition of a min term is a single
// rounding (fmadd/fmsub of an exact product there, a float32 add in the reference), and offset
// formats compute (float)q + (-offset) exactly before the scale multiply, so even the sign of
// a zero matches the reference's (float)(q - offset) * d.
//
// Widening bytes to 32-bit lanes: 16 quant bytes are held twice in a ymm (one copy per 128-bit
// lane) and one in-lane vpshufb yields 8 zero-extended dwords; this avoids the lane-crossing
// vpmovzxbd that limits throughput on current cores.
// Include only from a variant .cpp, inside `namespace {`.
#pragma once

#if !defined(IFL_KERNEL_VARIANT_TU)
#error "ifl-dequant-simd.h is included only by ifl-kernels-<variant>.cpp"
#endif

// Every block decoder hands its values to a sink, 8 at a time in increasing element order:
// sink(off, v) receives elements [off, off + 8) of the block. store_sink writes them out;
// the fused decode in ifl-matmul-simd.h multiplies them into an accumulator instead.
struct store_sink {
    float * y;
    void operator()(int off, __m256 v) { _mm256_storeu_ps(y + off, v); }
};

// 16 bytes at p, once in each 128-bit lane.
inline __m256i bcast16(const uint8_t * p) { return _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)p)); }
// Bytes 0..7 (half 0) or 8..15 (half 1) of a bcast16 vector as 8 floats (zero-extended).
inline __m256 widen_half(__m256i q2, int half) {
    const __m256i c0 = _mm256_setr_epi8(0, -1, -1, -1, 1, -1, -1, -1, 2, -1, -1, -1, 3, -1, -1, -1,
                                        4, -1, -1, -1, 5, -1, -1, -1, 6, -1, -1, -1, 7, -1, -1, -1);
    const __m256i c1 = _mm256_setr_epi8(8, -1, -1, -1, 9, -1, -1, -1, 10, -1, -1, -1, 11, -1, -1, -1,
                                        12, -1, -1, -1, 13, -1, -1, -1, 14, -1, -1, -1, 15, -1, -1, -1);
    return _mm256_cvtepi32_ps(_mm256_shuffle_epi8(q2, half ? c1 : c0));
}
inline __m256i srl16(__m256i v, int n) { return _mm256_srl_epi16(v, _mm_cvtsi32_si128(n)); }
inline __m256i nib_lo(__m256i q) { return _mm256_and_si256(q, _mm256_set1_epi8(0x0F)); }
inline __m256i nib_hi(__m256i q) { return _mm256_and_si256(_mm256_srli_epi16(q, 4), _mm256_set1_epi8(0x0F)); }
inline float h2f(uint16_t h) { return _cvtsh_ss(h); }
inline __m256 bcast(const float * p) { return _mm256_broadcast_ss(p); }

// 16 quant values (a bcast16 vector) -> elements [off, off + 16):
template <class S>  // fmadd(q, a, b): Q4_1 / Q5_1 "d * q + m"
inline void emit16_fmadd(__m256i q2, __m256 a, __m256 b, S & s, int off) {
    s(off, _mm256_fmadd_ps(widen_half(q2, 0), a, b));
    s(off + 8, _mm256_fmadd_ps(widen_half(q2, 1), a, b));
}
template <class S>  // a * q - b: K-quant "scale * q - min"
inline void emit16_fmsub(__m256i q2, __m256 a, __m256 b, S & s, int off) {
    s(off, _mm256_fmsub_ps(a, widen_half(q2, 0), b));
    s(off + 8, _mm256_fmsub_ps(a, widen_half(q2, 1), b));
}
template <class S>  // ((float)q + neg_off) * a: offset formats (exact, reference zero signs)
inline void emit16_offset(__m256i q2, __m256 neg_off, __m256 a, S & s, int off) {
    s(off, _mm256_mul_ps(_mm256_add_ps(widen_half(q2, 0), neg_off), a));
    s(off + 8, _mm256_mul_ps(_mm256_add_ps(widen_half(q2, 1), neg_off), a));
}

// out[0..8) = scale * (float)bytes[0..8) for 8 unsigned bytes packed in a uint64.
inline void scaled_u8x8(uint64_t bytes, float scale, float * out) {
    const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)bytes)));
    _mm256_store_ps(out, _mm256_mul_ps(v, _mm256_set1_ps(scale)));
}
inline uint64_t pack2(uint32_t lo, uint32_t hi) { return (uint64_t)lo | ((uint64_t)hi << 32); }

// The 16 fifth bits of a Q5 block for elements 16*half .. 16*half+15 as bytes 0x10 / 0x00 (bcast16
// form); qh4 = _mm256_set1_epi32(qh).
inline __m256i q5_high_bytes(__m256i qh4, int half) {
    const __m256i shuf0 = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                           0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const __m256i shuf1 = _mm256_setr_epi8(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
                                           2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i sel = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128,
                                         1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
    const __m256i b = _mm256_and_si256(_mm256_shuffle_epi8(qh4, half ? shuf1 : shuf0), sel);
    return _mm256_and_si256(_mm256_cmpeq_epi8(b, sel), _mm256_set1_epi8(0x10));
}

// Calls f(std::integral_constant<int, G>) for G = 0 .. N-1 in order.
template <class F, int... G>
inline void for_each_index(F && f, std::integer_sequence<int, G...>) {
    (f(std::integral_constant<int, G>{}), ...);
}

// ---- one block of each format -----------------------------------------------------------
// A decoder is a struct: prepare(block) unpacks the block's scales, then group<i>(sink) emits
// elements [i * group_elems, (i + 1) * group_elems) for i < groups, in increasing order (a
// template index, so that every shift count and offset is a constant). The fused decode
// interleaves the groups of several rows (short dependency chains per row).

// Q4_0: element j < 16 is the low nibble of qs[j], j + 16 the high nibble; d * (q - 8).
struct dec_q4_0 {
    static constexpr int64_t elems = 32, group_elems = 32;
    static constexpr int groups = 1;
    static constexpr size_t bytes = sizeof(ifl::block_q4_0);
    const ifl::block_q4_0 * b;
    void prepare(const uint8_t * p) { b = reinterpret_cast<const ifl::block_q4_0 *>(p); }
    template <int I, class S> void group(S & s) const {
        const __m256 d = _mm256_set1_ps(h2f(b->d)), off = _mm256_set1_ps(-8.0f);
        const __m256i q = bcast16(b->qs);
        emit16_offset(nib_lo(q), off, d, s, 0);
        emit16_offset(nib_hi(q), off, d, s, 16);
    }
};

// Q4_1: d * q + m.
struct dec_q4_1 {
    static constexpr int64_t elems = 32, group_elems = 32;
    static constexpr int groups = 1;
    static constexpr size_t bytes = sizeof(ifl::block_q4_1);
    const ifl::block_q4_1 * b;
    void prepare(const uint8_t * p) { b = reinterpret_cast<const ifl::block_q4_1 *>(p); }
    template <int I, class S> void group(S & s) const {
        const __m256 d = _mm256_set1_ps(h2f(b->d)), m = _mm256_set1_ps(h2f(b->m));
        const __m256i q = bcast16(b->qs);
        emit16_fmadd(nib_lo(q), d, m, s, 0);
        emit16_fmadd(nib_hi(q), d, m, s, 16);
    }
};

// Q5_0 / Q5_1: as Q4 plus bit j of qh as the fifth bit of element j.
struct dec_q5_0 {
    static constexpr int64_t elems = 32, group_elems = 32;
    static constexpr int groups = 1;
    static constexpr size_t bytes = sizeof(ifl::block_q5_0);
    const ifl::block_q5_0 * b;
    void prepare(const uint8_t * p) { b = reinterpret_cast<const ifl::block_q5_0 *>(p); }
    template <int I, class S> void group(S & s) const {
        const __m256 d = _mm256_set1_ps(h2f(b->d)), off = _mm256_set1_ps(-16.0f);
        int32_t qh;
        std::memcpy(&qh, b->qh, 4);
        const __m256i q = bcast16(b->qs), qh4 = _mm256_set1_epi32(qh);
        emit16_offset(_mm256_or_si256(nib_lo(q), q5_high_bytes(qh4, 0)), off, d, s, 0);
        emit16_offset(_mm256_or_si256(nib_hi(q), q5_high_bytes(qh4, 1)), off, d, s, 16);
    }
};

struct dec_q5_1 {
    static constexpr int64_t elems = 32, group_elems = 32;
    static constexpr int groups = 1;
    static constexpr size_t bytes = sizeof(ifl::block_q5_1);
    const ifl::block_q5_1 * b;
    void prepare(const uint8_t * p) { b = reinterpret_cast<const ifl::block_q5_1 *>(p); }
    template <int I, class S> void group(S & s) const {
        const __m256 d = _mm256_set1_ps(h2f(b->d)), m = _mm256_set1_ps(h2f(b->m));
        int32_t qh;
        std::memcpy(&qh, b->qh, 4);
        const __m256i q = bcast16(b->qs), qh4 = _mm256_set1_epi32(qh);
        emit16_fmadd(_mm256_or_si256(nib_lo(q), q5_high_bytes(qh4, 0)), d, m, s, 0);
        emit16_fmadd(_mm256_or_si256(nib_hi(q), q5_high_bytes(qh4, 1)), d, m, s, 16);
    }
};

// Q8_0: signed bytes (sign-extended straight from memory) times d.
struct dec_q8_0 {
    static constexpr int64_t elems = 32, group_elems = 32;
    static constexpr int groups = 1;
    static constexpr size_t bytes = sizeof(ifl::block_q8_0);
    const ifl::block_q8_0 * b;
    void prepare(const uint8_t * p) { b = reinterpret_cast<const ifl::block_q8_0 *>(p); }
    template <int I, class S> void group(S & s) const {
        const __m256 d = _mm256_set1_ps(h2f(b->d));
        for (int i = 0; i < 4; ++i) {
            const __m128i q = _mm_loadl_epi64((const __m128i *)(b->qs + 8 * i));
            s(8 * i, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
        }
    }
};

// Q2_K: element 128n + 32j + 16h + l: bits 2j of qs[32n + 16h + l], sub-block sb = 8n + 2j + h
// with scale d * (scales[sb] & 15) and min dmin * (scales[sb] >> 4), both exact.
// Group i = 4n + j covers elements [32i, 32i + 32).
struct dec_q2_k {
    static constexpr int64_t elems = 256, group_elems = 32;
    static constexpr int groups = 8;
    static constexpr size_t bytes = sizeof(ifl::block_q2_k);
    const ifl::block_q2_k * b;
    alignas(32) float dl[16], ml[16];
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const ifl::block_q2_k *>(p);
        uint64_t sc[2];
        std::memcpy(sc, b->scales, 16);
        const float d = h2f(b->d), dmin = h2f(b->dmin);
        for (int i = 0; i < 2; ++i) {
            scaled_u8x8(sc[i] & 0x0F0F0F0F0F0F0F0Full, d, dl + 8 * i);
            scaled_u8x8((sc[i] >> 4) & 0x0F0F0F0F0F0F0F0Full, dmin, ml + 8 * i);
        }
    }
    template <int I, class S> void group(S & s) const {
        constexpr int i = I;
        constexpr int n = i >> 2, j = i & 3, sb = 2 * i;
        const __m256i m3 = _mm256_set1_epi8(3);
        const __m256i q0 = bcast16(b->qs + 32 * n), q1 = bcast16(b->qs + 32 * n + 16);
        emit16_fmsub(_mm256_and_si256(srl16(q0, 2 * j), m3), bcast(dl + sb), bcast(ml + sb), s, 32 * i);
        emit16_fmsub(_mm256_and_si256(srl16(q1, 2 * j), m3), bcast(dl + sb + 1), bcast(ml + sb + 1), s, 32 * i + 16);
    }
};

// The sixteen 6-bit Q3_K scales as bytes 0..63 (see q3k_scales): low nibbles from bytes 0-7
// (scales 0-7 low halves, 8-15 high halves), high bits from bytes 8-11, two bits per scale.
inline void q3k_scale_bytes(const uint8_t * packed, uint64_t out[2]) {
    uint32_t a[3];
    std::memcpy(a, packed, 12);
    const uint32_t k4 = 0x0F0F0F0Fu, k2 = 0x03030303u;
    out[0] = pack2((a[0] & k4) | ((a[2] & k2) << 4), (a[1] & k4) | (((a[2] >> 2) & k2) << 4));
    out[1] = pack2(((a[0] >> 4) & k4) | (((a[2] >> 4) & k2) << 4), ((a[1] >> 4) & k4) | (((a[2] >> 6) & k2) << 4));
}

// Q3_K: as Q2_K for the low bits; bit (4n + j) of hmask[16h + l] set adds 4:
// value = dl * (v - 4) with v = low | hbit << 2 in 0..7 and dl = d * (scale - 32).
struct dec_q3_k {
    static constexpr int64_t elems = 256, group_elems = 32;
    static constexpr int groups = 8;
    static constexpr size_t bytes = sizeof(ifl::block_q3_k);
    const ifl::block_q3_k * b;
    alignas(32) float dl[16];
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const ifl::block_q3_k *>(p);
        uint64_t sc[2];
        q3k_scale_bytes(b->scales, sc);
        const __m256 d = _mm256_set1_ps(h2f(b->d));
        for (int i = 0; i < 2; ++i) {
            const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)sc[i])));
            _mm256_store_ps(dl + 8 * i, _mm256_mul_ps(d, _mm256_sub_ps(v, _mm256_set1_ps(32.0f))));
        }
    }
    template <int I, class S> void group(S & s) const {
        constexpr int i = I;
        constexpr int n = i >> 2, j = i & 3, sb = 2 * i;
        const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
        const __m256i q0 = bcast16(b->qs + 32 * n), q1 = bcast16(b->qs + 32 * n + 16);
        const __m256i h0 = bcast16(b->hmask), h1 = bcast16(b->hmask + 16);
        const __m256i v0 = _mm256_or_si256(_mm256_and_si256(srl16(q0, 2 * j), m3), _mm256_slli_epi16(_mm256_and_si256(srl16(h0, 4 * n + j), one), 2));
        const __m256i v1 = _mm256_or_si256(_mm256_and_si256(srl16(q1, 2 * j), m3), _mm256_slli_epi16(_mm256_and_si256(srl16(h1, 4 * n + j), one), 2));
        const __m256 off = _mm256_set1_ps(-4.0f);
        emit16_offset(v0, off, bcast(dl + sb), s, 32 * i);
        emit16_offset(v1, off, bcast(dl + sb + 1), s, 32 * i + 16);
    }
};

// The 6-bit scales and mins of the 8 sub-blocks of a Q4_K/Q5_K block (see q4k_scale_min) as
// 8 bytes each, unpacked with 32-bit operations.
inline void q4k_scale_min_bytes(const uint8_t * packed, uint64_t * sc, uint64_t * mn) {
    uint32_t a[3];
    std::memcpy(a, packed, 12);
    const uint32_t k6 = 0x3F3F3F3Fu, k4 = 0x0F0F0F0Fu, k2 = 0x03030303u;
    *sc = pack2(a[0] & k6, (a[2] & k4) | (((a[0] >> 6) & k2) << 4));
    *mn = pack2(a[1] & k6, ((a[2] >> 4) & k4) | (((a[1] >> 6) & k2) << 4));
}

// Q4_K / Q5_K: element 64g + 32h + l: nibble h of qs[32g + l] (Q5_K: + 16 * bit (2g + h) of
// qh[l]), sub-block i = 2g + h (the group): y = (d * scale) * q - dmin * min.
template <bool Q5>
struct dec_q45_k {
    using block_t = typename std::conditional<Q5, ifl::block_q5_k, ifl::block_q4_k>::type;
    static constexpr int64_t elems = 256, group_elems = 32;
    static constexpr int groups = 8;
    static constexpr size_t bytes = sizeof(block_t);
    const block_t * b;
    alignas(32) float d1[8], m1[8];
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const block_t *>(p);
        uint64_t sc, mn;
        q4k_scale_min_bytes(b->scales, &sc, &mn);
        scaled_u8x8(sc, h2f(b->d), d1);
        scaled_u8x8(mn, h2f(b->dmin), m1);
    }
    template <int I, class S> void group(S & s) const {
        constexpr int i = I;
        constexpr int g = i >> 1, h = i & 1;
        const __m256i q0 = bcast16(b->qs + 32 * g), q1 = bcast16(b->qs + 32 * g + 16);
        __m256i v0 = h ? nib_hi(q0) : nib_lo(q0), v1 = h ? nib_hi(q1) : nib_lo(q1);
        if constexpr (Q5) {
            const __m256i one = _mm256_set1_epi8(1);
            v0 = _mm256_or_si256(v0, _mm256_slli_epi16(_mm256_and_si256(srl16(bcast16(b->qh), i), one), 4));
            v1 = _mm256_or_si256(v1, _mm256_slli_epi16(_mm256_and_si256(srl16(bcast16(b->qh + 16), i), one), 4));
        }
        const __m256 a = bcast(d1 + i), m = bcast(m1 + i);
        emit16_fmsub(v0, a, m, s, 32 * i);
        emit16_fmsub(v1, a, m, s, 32 * i + 16);
    }
};
using dec_q4_k = dec_q45_k<false>;
using dec_q5_k = dec_q45_k<true>;

// Q6_K: element 128n + 32k + l: nibble (k >> 1) of ql[64n + 32(k & 1) + l] | bits 2k of
// qh[32n + l] << 4; value (d * scale[8n + 2k + l/16]) * (q - 32). Group i = 4n + k.
struct dec_q6_k {
    static constexpr int64_t elems = 256, group_elems = 32;
    static constexpr int groups = 8;
    static constexpr size_t bytes = sizeof(ifl::block_q6_k);
    const ifl::block_q6_k * b;
    alignas(32) float ds[16];
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const ifl::block_q6_k *>(p);
        const __m256 d = _mm256_set1_ps(h2f(b->d));
        for (int i = 0; i < 2; ++i)
            _mm256_store_ps(ds + 8 * i, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(b->scales + 8 * i))))));
    }
    template <int I, class S> void group(S & s) const {
        constexpr int i = I;
        constexpr int n = i >> 2, k = i & 3, sb = 2 * i;
        const __m256i m3 = _mm256_set1_epi8(3);
        const uint8_t * ql = b->ql + 64 * n + 32 * (k & 1);
        const __m256i l0 = bcast16(ql), l1 = bcast16(ql + 16);
        const __m256i qh0 = bcast16(b->qh + 32 * n), qh1 = bcast16(b->qh + 32 * n + 16);
        const __m256i v0 = _mm256_or_si256((k >> 1) ? nib_hi(l0) : nib_lo(l0), _mm256_slli_epi16(_mm256_and_si256(srl16(qh0, 2 * k), m3), 4));
        const __m256i v1 = _mm256_or_si256((k >> 1) ? nib_hi(l1) : nib_lo(l1), _mm256_slli_epi16(_mm256_and_si256(srl16(qh1, 2 * k), m3), 4));
        const __m256 off = _mm256_set1_ps(-32.0f);
        emit16_offset(v0, off, bcast(ds + sb), s, 32 * i);
        emit16_offset(v1, off, bcast(ds + sb + 1), s, 32 * i + 16);
    }
};
