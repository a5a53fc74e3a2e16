// ifl-qdecode-simd.h — AVX2 decoders of the quantized weight blocks into the integer form the
// fast kernels multiply with 8-bit activations (ifl-qdot.h): for each 32-element group G of a
// block, the 32 unsigned quants in element order as bytes (q<G>); K-quants also give the int16
// scale vector of the group (sc16<G>: lane k scales bytes 2k, 2k+1) and one int16 vector c16()
// that multiplies the activation's 16 bsums (the sub-block mins for Q2_K/Q4_K/Q5_K, or
// -offset * scale for Q3_K/Q6_K). 32-element formats give the f32 scale d() (and min m()).
// Q8_0's q<G> is |w| and sgn() the signed bytes (the sign trick, since maddubs needs one
// unsigned operand). Include only from a variant .cpp, inside `namespace {`.
#pragma once

#if !defined(IFL_KERNEL_VARIANT_TU)
#error "ifl-qdecode-simd.h is included only by ifl-qkernels-<variant>.cpp"
#endif

inline float qd_h2f(uint16_t h) { return _cvtsh_ss(h); }
inline __m256i qd_load(const void * p) { return _mm256_loadu_si256(static_cast<const __m256i *>(p)); }
inline __m256i qd_nib(__m256i v, bool high) {
    return _mm256_and_si256(high ? _mm256_srli_epi16(v, 4) : v, _mm256_set1_epi8(0x0F));
}
// 16 bytes of packed nibbles -> [low nibbles of bytes 0..15, high nibbles of bytes 0..15]: the
// bytes in both 128-bit lanes (one broadcast load), the upper lane shifted right by 4.
inline __m256i qd_nibbles32(const uint8_t * qs) {
    const __m256i t = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)qs));
    return _mm256_and_si256(_mm256_srlv_epi32(t, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)), _mm256_set1_epi8(0x0F));
}
// Byte e = bit e of qh ? 0x10 : 0 (the fifth bit of Q5_0 / Q5_1 element e).
inline __m256i qd_bit5(const uint8_t * qh4) {
    int32_t qh;
    std::memcpy(&qh, qh4, 4);
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i sel = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    const __m256i b = _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32(qh), shuf), sel);
    return _mm256_and_si256(_mm256_cmpeq_epi8(b, sel), _mm256_set1_epi8(0x10));
}
// Bit `bit` of every byte of v as 0/1.
inline __m256i qd_bit(__m256i v, int bit) { return _mm256_and_si256(_mm256_srl_epi16(v, _mm_cvtsi32_si128(bit)), _mm256_set1_epi8(1)); }
// Two bits (bit, bit + 1) of every byte of v as 0..3.
inline __m256i qd_bits2(__m256i v, int bit) { return _mm256_and_si256(_mm256_srl_epi16(v, _mm_cvtsi32_si128(bit)), _mm256_set1_epi8(3)); }

// 16 int8 sub-block scales -> the int16 vector [sc[2G] x 8, sc[2G+1] x 8].
template <int G>
inline __m256i qd_scale_pair(__m128i sc8) {
    const __m128i m = _mm_setr_epi8(2 * G, 2 * G, 2 * G, 2 * G, 2 * G, 2 * G, 2 * G, 2 * G,
                                    2 * G + 1, 2 * G + 1, 2 * G + 1, 2 * G + 1, 2 * G + 1, 2 * G + 1, 2 * G + 1, 2 * G + 1);
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(sc8, m));
}
// -off * sc[j] for the 16 int8 scales (off a power of two: 4 or 32).
inline __m256i qd_neg_scaled(__m128i sc8, int log2_off) {
    return _mm256_sub_epi16(_mm256_setzero_si256(), _mm256_sll_epi16(_mm256_cvtepi8_epi16(sc8), _mm_cvtsi32_si128(log2_off)));
}

// ---- 32-element blocks ------------------------------------------------------------------

#define IFL_QD32_COMMON(blk, corr, signed_q, with_m)                                               \
    static constexpr bool    kquant = false;                                                     \
    static constexpr int     groups = 1;                                                         \
    static constexpr int64_t elems = 32;                                                         \
    static constexpr size_t  bytes = sizeof(ifl::blk);                                           \
    static constexpr bool    act_corr = corr;     /* activation corr lanes carry the offset */   \
    static constexpr bool    sign_q = signed_q;   /* Q8_0: q = |w|, sgn() = w */                 \
    static constexpr bool    has_m = with_m;      /* Q4_1 / Q5_1 min term */                     \
    const ifl::blk * b;                                                                          \
    void  prepare(const uint8_t * p) { b = reinterpret_cast<const ifl::blk *>(p); }              \
    float d() const { return qd_h2f(b->d); }

struct qd_q4_0 {
    IFL_QD32_COMMON(block_q4_0, true, false, false)
    float m() const { return 0.0f; }
    template <int G> __m256i q() const { return qd_nibbles32(b->qs); }
    __m256i sgn() const { return _mm256_setzero_si256(); }
};
struct qd_q4_1 {
    IFL_QD32_COMMON(block_q4_1, false, false, true)
    float m() const { return qd_h2f(b->m); }
    template <int G> __m256i q() const { return qd_nibbles32(b->qs); }
    __m256i sgn() const { return _mm256_setzero_si256(); }
};
struct qd_q5_0 {
    IFL_QD32_COMMON(block_q5_0, true, false, false)
    float m() const { return 0.0f; }
    template <int G> __m256i q() const { return _mm256_or_si256(qd_nibbles32(b->qs), qd_bit5(b->qh)); }
    __m256i sgn() const { return _mm256_setzero_si256(); }
};
struct qd_q5_1 {
    IFL_QD32_COMMON(block_q5_1, false, false, true)
    float m() const { return qd_h2f(b->m); }
    template <int G> __m256i q() const { return _mm256_or_si256(qd_nibbles32(b->qs), qd_bit5(b->qh)); }
    __m256i sgn() const { return _mm256_setzero_si256(); }
};
struct qd_q8_0 {
    IFL_QD32_COMMON(block_q8_0, false, true, false)
    float m() const { return 0.0f; }
    template <int G> __m256i q() const { return _mm256_abs_epi8(qd_load(b->qs)); }
    __m256i sgn() const { return qd_load(b->qs); }
};
#undef IFL_QD32_COMMON

// ---- K-quant super-blocks (256 elements, 8 groups of 32) ----------------------------------

#define IFL_QDK_COMMON(blk, with_min)                                                            \
    static constexpr bool    kquant = true;                                                      \
    static constexpr int     groups = 8;                                                         \
    static constexpr int64_t elems = 256;                                                        \
    static constexpr size_t  bytes = sizeof(blk);                                                \
    static constexpr bool    has_min = with_min;  /* c16() = mins (else -off * scales) */        \
    const blk * b;

// Q2_K: group G = 4n + j: bits 2j of qs[32n .. 32n+31]; sub-block scale/min = low/high nibble.
struct qd_q2_k {
    IFL_QDK_COMMON(ifl::block_q2_k, true)
    __m128i sc8;
    float   dd, dm;
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const ifl::block_q2_k *>(p);
        sc8 = _mm_and_si128(_mm_loadu_si128((const __m128i *)b->scales), _mm_set1_epi8(0x0F));
        dd = qd_h2f(b->d), dm = qd_h2f(b->dmin);
    }
    float d() const { return dd; }
    float dmin() const { return dm; }
    template <int G> __m256i q() const { return qd_bits2(qd_load(b->qs + 32 * (G >> 2)), 2 * (G & 3)); }
    template <int G> __m256i sc16() const { return qd_scale_pair<G>(sc8); }
    __m256i c16() const {
        const __m128i m = _mm_and_si128(_mm_srli_epi16(_mm_loadu_si128((const __m128i *)b->scales), 4), _mm_set1_epi8(0x0F));
        return _mm256_cvtepu8_epi16(m);
    }
};

// Q3_K: as Q2_K for the low bits, bit (4n + j) of hmask[0..31] as bit 2; value q - 4, scale - 32.
struct qd_q3_k {
    IFL_QDK_COMMON(ifl::block_q3_k, false)
    __m128i sc8;
    float   dd;
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const ifl::block_q3_k *>(p);
        uint32_t a[3];
        std::memcpy(a, b->scales, 12);
        const uint32_t k4 = 0x0F0F0F0Fu, k2 = 0x03030303u;
        const uint32_t w0 = (a[0] & k4) | ((a[2] & k2) << 4), w1 = (a[1] & k4) | (((a[2] >> 2) & k2) << 4);
        const uint32_t w2 = ((a[0] >> 4) & k4) | (((a[2] >> 4) & k2) << 4), w3 = ((a[1] >> 4) & k4) | (((a[2] >> 6) & k2) << 4);
        sc8 = _mm_sub_epi8(_mm_setr_epi32((int)w0, (int)w1, (int)w2, (int)w3), _mm_set1_epi8(32));
        dd = qd_h2f(b->d);
    }
    float d() const { return dd; }
    float dmin() const { return 0.0f; }
    template <int G> __m256i q() const {
        constexpr int n = G >> 2, j = G & 3;
        const __m256i hb = qd_bit(qd_load(b->hmask), 4 * n + j);
        return _mm256_or_si256(qd_bits2(qd_load(b->qs + 32 * n), 2 * j), _mm256_slli_epi16(hb, 2));
    }
    template <int G> __m256i sc16() const { return qd_scale_pair<G>(sc8); }
    __m256i c16() const { return qd_neg_scaled(sc8, 2); }
};

// Q4_K / Q5_K: group G = 2g + h: nibble h of qs[32g .. 32g+31] (+ bit G of qh[0..31] as bit 4);
// one 6-bit scale and min per group.
template <bool Q5>
struct qd_q45_k {
    using block_t = typename std::conditional<Q5, ifl::block_q5_k, ifl::block_q4_k>::type;
    IFL_QDK_COMMON(block_t, true)
    __m256i sc16x2;   // [s0..s7] int16 in both 128-bit lanes
    __m256i mins;
    float   dd, dm;
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const block_t *>(p);
        uint32_t a[3];
        std::memcpy(a, b->scales, 12);
        const uint32_t k6 = 0x3F3F3F3Fu, k4 = 0x0F0F0F0Fu, k2 = 0x03030303u;
        const __m128i sm = _mm_setr_epi32((int)(a[0] & k6), (int)((a[2] & k4) | (((a[0] >> 6) & k2) << 4)),
                                          (int)(a[1] & k6), (int)(((a[2] >> 4) & k4) | (((a[1] >> 6) & k2) << 4)));
        sc16x2 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));                  // bytes 0..7: scales
        const __m128i m8 = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));                   // bytes 8..15: mins
        mins = _mm256_set_m128i(_mm_unpackhi_epi16(m8, m8), _mm_unpacklo_epi16(m8, m8));
        dd = qd_h2f(b->d), dm = qd_h2f(b->dmin);
    }
    float d() const { return dd; }
    float dmin() const { return dm; }
    template <int G> __m256i q() const {
        const __m256i v = qd_nib(qd_load(b->qs + 32 * (G >> 1)), (G & 1) != 0);
        if constexpr (Q5) return _mm256_or_si256(v, _mm256_slli_epi16(qd_bit(qd_load(b->qh), G), 4));
        return v;
    }
    template <int G> __m256i sc16() const {
        return _mm256_shuffle_epi8(sc16x2, _mm256_set1_epi16((short)(((2 * G + 1) << 8) | (2 * G))));
    }
    __m256i c16() const { return mins; }
};
using qd_q4_k = qd_q45_k<false>;
using qd_q5_k = qd_q45_k<true>;

// Q6_K: group G = 4n + k: nibble (k >> 1) of ql[64n + 32(k & 1) ..] | bits 2k of qh[32n ..] << 4;
// value q - 32; int8 scales per 16.
struct qd_q6_k {
    IFL_QDK_COMMON(ifl::block_q6_k, false)
    __m128i sc8;
    float   dd;
    void prepare(const uint8_t * p) {
        b = reinterpret_cast<const ifl::block_q6_k *>(p);
        sc8 = _mm_loadu_si128((const __m128i *)b->scales);
        dd = qd_h2f(b->d);
    }
    float d() const { return dd; }
    float dmin() const { return 0.0f; }
    template <int G> __m256i q() const {
        constexpr int n = G >> 2, k = G & 3;
        const __m256i lo = qd_nib(qd_load(b->ql + 64 * n + 32 * (k & 1)), (k >> 1) != 0);
        return _mm256_or_si256(lo, _mm256_slli_epi16(qd_bits2(qd_load(b->qh + 32 * n), 2 * k), 4));
    }
    template <int G> __m256i sc16() const { return qd_scale_pair<G>(sc8); }
    __m256i c16() const { return qd_neg_scaled(sc8, 5); }
};
#undef IFL_QDK_COMMON
