// ifl-qprefill-simd.h — the many-token path of the fast kernels (included by ifl-qmatmul-simd.h):
// each panel of QRP rows is decoded chunk by chunk into records in L1 scratch, once per block of
// QTB tokens, and register tiles (rows x tokens) multiply the records with the activations.
// Record of one row and one 32-element block (QREC32 bytes): q u8[32] | sgn s8[32] (Q8_0) |
// d f32 | m f32. Record of one row and one K-quant super-block (QRECK bytes): q u8[8][32] |
// sc16 int16[8][16] | c16 int16[16] | d f32 | dmin f32. The per-output arithmetic is the decode
// path's (ifl-qmatmul-simd.h), operation for operation.
#pragma once

constexpr int64_t QRP = 16;           // rows per panel
constexpr int64_t QTB = 64;           // tokens per token block
constexpr int64_t QNB32 = 8;          // 32-element blocks per chunk (one K super-block per chunk)
constexpr size_t  QREC32 = 96, QRECK = 576;
constexpr size_t  QROW32 = QNB32 * QREC32;                         // record bytes per row and chunk
constexpr size_t  QREC_FLOATS = QRP * (QROW32 > QRECK ? QROW32 : QRECK) / 4;
constexpr size_t  QACC_FLOATS = (size_t)QTB * QRP * 8;             // [QTB][QRP][8] f32 partial sums
constexpr size_t  QSCRATCH_FLOATS = QREC_FLOATS + QACC_FLOATS;

inline int64_t qmin64(int64_t a, int64_t b) { return a < b ? a : b; }
inline void    qstore(void * p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i *>(p), v); }
inline float   qf32(const uint8_t * p) { float v; std::memcpy(&v, p, 4); return v; }

// Records of rows [p0, p0 + rp) x blocks [b0, b0 + nbc); row r's records start at rec + r * stride.
// Each row's next chunk is prefetched meanwhile (rp rows are rp streams, too many for the
// hardware prefetchers when few tokens leave little work per chunk).
template <class D>
inline void qprepare(const ifl::qmatmul_job & j, int64_t p0, int64_t rp, int64_t b0, int64_t nbc, uint8_t * rec, size_t stride) {
    D dec;
    for (int64_t r = 0; r < rp; ++r) {
        const uint8_t * row = j.w + (size_t)(p0 + r) * j.row_bytes;
        const size_t next = (size_t)(b0 + nbc) * D::bytes;
        for (size_t off = 0; off < (size_t)nbc * D::bytes; off += 64) _mm_prefetch((const char *)(row + next + off), _MM_HINT_T0);
        for (int64_t bb = 0; bb < nbc; ++bb) {
            dec.prepare(row + (size_t)(b0 + bb) * D::bytes);
            if constexpr (D::kquant) {
                uint8_t * o = rec + r * stride;
                q_for_each([&](auto g) {
                    constexpr int G = decltype(g)::value;
                    qstore(o + 32 * G, dec.template q<G>());
                    qstore(o + 256 + 32 * G, dec.template sc16<G>());
                }, std::make_integer_sequence<int, 8>{});
                qstore(o + 512, dec.c16());
                const float f[2] = {dec.d(), dec.dmin()};
                std::memcpy(o + 544, f, 8);
            } else {
                uint8_t * o = rec + r * stride + bb * QREC32;
                qstore(o, dec.template q<0>());
                if constexpr (D::sign_q) qstore(o + 32, dec.sgn());
                const float f[2] = {dec.d(), dec.m()};
                std::memcpy(o + 64, f, 8);
            }
        }
    }
}

// acc[t][r] (vectors at acc + t * acc_ts + 8 * r) over blocks [b0, b0 + nbc) of 32 elements.
template <class D, int R, int T>
inline void qmicro_32(const uint8_t * rec, size_t stride, const ifl::qmatmul_job & j, int64_t t0, int64_t b0, int64_t nbc,
                      float * acc, int64_t acc_ts) {
    q_act act[T];
    for (int t = 0; t < T; ++t) act[t] = q_act(j, t0 + t);
    __m256 A[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) A[r][t] = _mm256_loadu_ps(acc + t * acc_ts + 8 * r);
    for (int64_t bb = 0; bb < nbc; ++bb) {
        const int64_t b = b0 + bb;
        for (int r = 0; r < R; ++r) {
            const uint8_t * rc = rec + r * stride + bb * QREC32;
            const __m256i u = qd_load(rc);
            const __m256 dw = _mm256_set1_ps(qf32(rc + 64));
            for (int t = 0; t < T; ++t) {
                __m256i x = qd_load(act[t].qs + 32 * b);
                if constexpr (D::sign_q) x = _mm256_sign_epi8(x, qd_load(rc + 32));
                const __m256i c = D::act_corr ? qd_load(act[t].corr + 32 * b) : _mm256_setzero_si256();
                const __m256i l = q_dot4(c, u, x);
                A[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(l), _mm256_mul_ps(dw, _mm256_set1_ps(act[t].d[b])), A[r][t]);
                if constexpr (D::has_m) A[r][t] = _mm256_fmadd_ps(q_lane0(qf32(rc + 68)), q_lane0(act[t].s[b]), A[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) _mm256_storeu_ps(acc + t * acc_ts + 8 * r, A[r][t]);
}

// acc[t][r] += super-block b (one record per row).
template <class D, int R, int T>
inline void qmicro_k(const uint8_t * rec, size_t stride, const ifl::qmatmul_job & j, int64_t t0, int64_t b, int64_t,
                     float * acc, int64_t acc_ts) {
    q_act act[T];
    for (int t = 0; t < T; ++t) act[t] = q_act(j, t0 + t);
    __m256i I[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) I[r][t] = _mm256_setzero_si256();
    for (int g = 0; g < 8; ++g) {
        for (int r = 0; r < R; ++r) {
            const uint8_t * rc = rec + r * stride;
            const __m256i u = qd_load(rc + 32 * g), sc = qd_load(rc + 256 + 32 * g);
            for (int t = 0; t < T; ++t) I[r][t] = q_dot4s(I[r][t], u, qd_load(act[t].qs + 256 * b + 32 * g), sc);
        }
    }
    for (int r = 0; r < R; ++r) {
        const uint8_t * rc = rec + r * stride;
        const __m256i c = qd_load(rc + 512);
        const __m256 dw = _mm256_set1_ps(qf32(rc + 544)), dm = _mm256_set1_ps(qf32(rc + 548));
        for (int t = 0; t < T; ++t) {
            const __m256i m = _mm256_madd_epi16(c, qd_load(act[t].corr + 32 * b));
            if constexpr (!D::has_min) I[r][t] = _mm256_add_epi32(I[r][t], m);
            float * pa = acc + t * acc_ts + 8 * r;
            const __m256 dx = _mm256_set1_ps(act[t].d[b]);
            __m256 v = _mm256_fmadd_ps(_mm256_cvtepi32_ps(I[r][t]), _mm256_mul_ps(dw, dx), _mm256_loadu_ps(pa));
            if constexpr (D::has_min) v = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(m), _mm256_mul_ps(dm, dx), v);
            _mm256_storeu_ps(pa, v);
        }
    }
}

// Runs the R x T micro-kernel for runtime rn <= RMAX, tn <= TMAX.
template <class D, int R, int T>
inline void qtile_t(int tn, const uint8_t * rec, size_t stride, const ifl::qmatmul_job & j, int64_t t0, int64_t b0,
                    int64_t nbc, float * acc, int64_t acc_ts) {
    if constexpr (T >= 1) {
        if (tn == T) {
            if constexpr (D::kquant) qmicro_k<D, R, T>(rec, stride, j, t0, b0, nbc, acc, acc_ts);
            else qmicro_32<D, R, T>(rec, stride, j, t0, b0, nbc, acc, acc_ts);
            return;
        }
        qtile_t<D, R, T - 1>(tn, rec, stride, j, t0, b0, nbc, acc, acc_ts);
    }
}
template <class D, int R, int TMAX>
inline void qtile(int rn, int tn, const uint8_t * rec, size_t stride, const ifl::qmatmul_job & j, int64_t t0, int64_t b0,
                  int64_t nbc, float * acc, int64_t acc_ts) {
    if constexpr (R >= 1) {
        if (rn == R) return qtile_t<D, R, TMAX>(tn, rec, stride, j, t0, b0, nbc, acc, acc_ts);
        qtile<D, R - 1, TMAX>(rn, tn, rec, stride, j, t0, b0, nbc, acc, acc_ts);
    }
}

template <class D>
inline void qprefill_range(const ifl::qmatmul_job & j, int64_t o0, int64_t o1, float * scratch) {
    constexpr int TR = D::kquant ? QMK_R : QM32_R, TT = D::kquant ? QMK_T : QM32_T;
    constexpr int64_t nbc_max = D::kquant ? 1 : QNB32;
    constexpr size_t stride = D::kquant ? QRECK : QROW32;
    uint8_t * rec = reinterpret_cast<uint8_t *>(scratch);
    float * acc = scratch + QREC_FLOATS;
    const int64_t nb = j.act_layout.nb;
    for (int64_t t0 = 0; t0 < j.n_tokens; t0 += QTB) {
        const int64_t tb = qmin64(QTB, j.n_tokens - t0);
        for (int64_t p0 = o0; p0 < o1; p0 += QRP) {
            const int64_t rp = qmin64(QRP, o1 - p0), acc_ts = 8 * rp;
            for (int64_t i = 0; i < tb * rp; ++i) _mm256_storeu_ps(acc + 8 * i, _mm256_setzero_ps());
            for (int64_t b0 = 0; b0 < nb; b0 += nbc_max) {
                const int64_t nbc = qmin64(nbc_max, nb - b0);
                qprepare<D>(j, p0, rp, b0, nbc, rec, stride);
                for (int64_t t = 0; t < tb; t += TT) {
                    const int tn = (int)qmin64(TT, tb - t);
                    for (int64_t r = 0; r < rp; r += TR)
                        qtile<D, TR, TT>((int)qmin64(TR, rp - r), tn, rec + r * stride, stride, j, t0 + t, b0, nbc,
                                         acc + t * acc_ts + 8 * r, acc_ts);
                }
            }
            for (int64_t t = 0; t < tb; ++t)
                for (int64_t r = 0; r < rp; ++r) j.y[(t0 + t) * j.y_stride + p0 + r] = reduce8(_mm256_loadu_ps(acc + t * acc_ts + 8 * r));
        }
    }
}
