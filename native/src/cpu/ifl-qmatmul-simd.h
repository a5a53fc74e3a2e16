// ifl-qmatmul-simd.h — the fast (8-bit activation) matmul kernels shared by the SIMD variants:
// integer lane sums per block (maddubs/madd, or VNNI), then the float steps of ifl-qdot.h in
// its order. The including translation unit defines, inside the same anonymous namespace and
// before including this file (after ifl-vec8-simd.h and ifl-qdecode-simd.h):
//   QDEC32_R / QDECK_R (rows per decode tile: several rows give independent FMA chains for the
//   short 32-element blocks; one row at a time reads the weights as a single stream, which
//   measured 1.5x faster from memory for K-quants), QM32_R x QM32_T and QMK_R x QMK_T (prefill
//   register tiles, rows x tokens, for 32-element and K-quant blocks). Compiled with AVX512-VNNI (the
//   -avx512vnni.cpp variant), vpdpbusd / vpdpwssd replace maddubs + madd (same integers).
// One token: the decode tile decodes a few rows block by block straight from the weights.
// More tokens: panels of QRP rows are decoded once per QTB tokens into records in L1 scratch
// (ifl-qprefill-simd.h) and register tiles run over them. Both compute every output with the
// same operations in the same order, so results are bitwise independent of the token count.
#pragma once

#if !defined(IFL_KERNEL_VARIANT_TU)
#error "ifl-qmatmul-simd.h is included only by ifl-qkernels-<variant>.cpp"
#endif

// ---- integer lane sums ----------------------------------------------------------------------

// acc + lanes of sum(u * s) over 4 bytes (u unsigned, s signed; no saturation in our ranges).
inline __m256i q_dot4(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVX512VNNI__)
    return _mm256_dpbusd_epi32(acc, u, s);
#endif
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
}
// acc + lanes of sum(u * s * sc) over 4 bytes, sc16: the int16 scale of each byte pair.
inline __m256i q_dot4s(__m256i acc, __m256i u, __m256i s, __m256i sc16) {
#if defined(__AVX512VNNI__)
    return _mm256_dpwssd_epi32(acc, _mm256_maddubs_epi16(u, s), sc16);
#endif
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), sc16));
}
// [m, 0, 0, 0, 0, 0, 0, 0]
inline __m256 q_lane0(float m) { return _mm256_setr_ps(m, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f); }

template <class F, int... G>
inline void q_for_each(F && f, std::integer_sequence<int, G...>) {
    (f(std::integral_constant<int, G>{}), ...);
}

// One prepared activation row (ifl-qact.h).
struct q_act {
    const int8_t *  qs = nullptr;
    const uint8_t * corr = nullptr;   // int32 [nb][8] or int16 bsums [nb][16]
    const float *   d = nullptr;
    const float *   s = nullptr;
    q_act() = default;
    q_act(const ifl::qmatmul_job & j, int64_t t) {
        const uint8_t * row = j.act + (size_t)t * j.act_layout.row_bytes;
        qs = reinterpret_cast<const int8_t *>(row);
        corr = row + j.act_layout.corr_off;
        d = reinterpret_cast<const float *>(row + j.act_layout.d_off);
        s = reinterpret_cast<const float *>(row + j.act_layout.s_off);
    }
};

// ---- decode: one token, R rows decoded straight from the weights ------------------------------

// Software prefetch of each row QPF_BYTES ahead of the block being decoded: the R rows are R
// interleaved streams and the decoding work between loads is long enough that the hardware
// prefetchers alone leave each new block's first load waiting on memory.
constexpr size_t QPF_BYTES = 12288;
template <class D, int R>
inline void qprefetch_rows(const uint8_t * const * rows, int64_t b) {
    for (int r = 0; r < R; ++r)
        for (size_t off = 0; off < D::bytes; off += 64)
            _mm_prefetch((const char *)(rows[r] + (size_t)b * D::bytes + QPF_BYTES + off), _MM_HINT_T1);
}

template <class D, int R>
inline void qdecode_32(const ifl::qmatmul_job & j, int64_t o0) {
    const q_act a(j, 0);
    const uint8_t * rows[R];
    D dec[R];
    __m256 acc[R];
    for (int r = 0; r < R; ++r) rows[r] = j.w + (size_t)(o0 + r) * j.row_bytes, acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < j.act_layout.nb; ++b) {
        const __m256i x = qd_load(a.qs + 32 * b);
        const __m256i c = D::act_corr ? qd_load(a.corr + 32 * b) : _mm256_setzero_si256();
        const float dx = a.d[b];
        qprefetch_rows<D, R>(rows, b);
        for (int r = 0; r < R; ++r) dec[r].prepare(rows[r] + (size_t)b * D::bytes);
        for (int r = 0; r < R; ++r) {
            const __m256i s = D::sign_q ? _mm256_sign_epi8(x, dec[r].sgn()) : x;
            const __m256i l = q_dot4(c, dec[r].template q<0>(), s);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l), _mm256_set1_ps(dec[r].d() * dx), acc[r]);
            if constexpr (D::has_m) acc[r] = _mm256_fmadd_ps(q_lane0(dec[r].m()), q_lane0(a.s[b]), acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) j.y[o0 + r] = reduce8(acc[r]);
}

template <class D, int R>
inline void qdecode_k(const ifl::qmatmul_job & j, int64_t o0) {
    const q_act a(j, 0);
    const uint8_t * rows[R];
    D dec[R];
    __m256 acc[R];
    for (int r = 0; r < R; ++r) rows[r] = j.w + (size_t)(o0 + r) * j.row_bytes, acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < j.act_layout.nb; ++b) {
        const int8_t * xb = a.qs + 256 * b;
        qprefetch_rows<D, R>(rows, b);
        for (int r = 0; r < R; ++r) dec[r].prepare(rows[r] + (size_t)b * D::bytes);
        __m256i isum[R];
        for (int r = 0; r < R; ++r) isum[r] = _mm256_setzero_si256();
        q_for_each([&](auto g) {
            constexpr int G = decltype(g)::value;
            const __m256i x = qd_load(xb + 32 * G);
            for (int r = 0; r < R; ++r) isum[r] = q_dot4s(isum[r], dec[r].template q<G>(), x, dec[r].template sc16<G>());
        }, std::make_integer_sequence<int, 8>{});
        const __m256i bs = qd_load(a.corr + 32 * b);
        const float dx = a.d[b];
        for (int r = 0; r < R; ++r) {
            const __m256i m = _mm256_madd_epi16(dec[r].c16(), bs);
            if constexpr (!D::has_min) isum[r] = _mm256_add_epi32(isum[r], m);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[r]), _mm256_set1_ps(dec[r].d() * dx), acc[r]);
            if constexpr (D::has_min) acc[r] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m), _mm256_set1_ps(dec[r].dmin() * dx), acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) j.y[o0 + r] = reduce8(acc[r]);
}

template <class D>
inline void qdecode_range(const ifl::qmatmul_job & j, int64_t o0, int64_t o1) {
    int64_t o = o0;
    if constexpr (D::kquant) {
        for (; o + QDECK_R <= o1; o += QDECK_R) qdecode_k<D, QDECK_R>(j, o);
        for (; o < o1; ++o) qdecode_k<D, 1>(j, o);
    } else {
        for (; o + QDEC32_R <= o1; o += QDEC32_R) qdecode_32<D, QDEC32_R>(j, o);
        for (; o < o1; ++o) qdecode_32<D, 1>(j, o);
    }
}

#include "ifl-qprefill-simd.h"

// Rows [o0, o1) of a fast job for every token (see the top of this file).
template <class D>
inline void qmatmul_type(const ifl::qmatmul_job & j, int64_t o0, int64_t o1, float * scratch) {
    if (j.n_tokens == 1) qdecode_range<D>(j, o0, o1);
    else qprefill_range<D>(j, o0, o1, scratch);
}

inline void qmatmul_rows_impl(const ifl::qmatmul_job & j, int64_t o0, int64_t o1, float * scratch) {
    using ifl::ggml_type;
    switch (j.type) {
        case ggml_type::q4_0: qmatmul_type<qd_q4_0>(j, o0, o1, scratch); break;
        case ggml_type::q4_1: qmatmul_type<qd_q4_1>(j, o0, o1, scratch); break;
        case ggml_type::q5_0: qmatmul_type<qd_q5_0>(j, o0, o1, scratch); break;
        case ggml_type::q5_1: qmatmul_type<qd_q5_1>(j, o0, o1, scratch); break;
        case ggml_type::q8_0: qmatmul_type<qd_q8_0>(j, o0, o1, scratch); break;
        case ggml_type::q2_k: qmatmul_type<qd_q2_k>(j, o0, o1, scratch); break;
        case ggml_type::q3_k: qmatmul_type<qd_q3_k>(j, o0, o1, scratch); break;
        case ggml_type::q4_k: qmatmul_type<qd_q4_k>(j, o0, o1, scratch); break;
        case ggml_type::q5_k: qmatmul_type<qd_q5_k>(j, o0, o1, scratch); break;
        case ggml_type::q6_k: qmatmul_type<qd_q6_k>(j, o0, o1, scratch); break;
        default: break;  // unreachable: the caller checks qdot_type_has_fast
    }
}
