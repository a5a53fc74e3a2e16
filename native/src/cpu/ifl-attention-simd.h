// ifl-attention-simd.h — inner loops of the attention kernel (internal to src/cpu).
// AVX2+FMA versions on x86 (the build baseline) and plain C++ elsewhere. Every function gives
// each output element an arithmetic that does not depend on its neighbours, so grouping keys
// four at a time or padding a tile never changes a value.
#pragma once

#include <cmath>
#include <cstdint>

#include "cpu/ifl-fp16.h"
#include "cpu/ifl-ops.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define IFL_ATTN_AVX2 1
#if defined(__F16C__)
#define IFL_ATTN_F16C 1
#endif
#endif

namespace ifl::attn_simd {

#if IFL_ATTN_AVX2
// Lane mask for the first `n` (0..8) floats.
inline __m256i tail_mask(int n) {
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

// Sum of the 8 lanes of four vectors: out[i] = reduce(a_i), same tree for every lane set.
inline void hsum4(__m256 a0, __m256 a1, __m256 a2, __m256 a3, float * out) {
    const __m256 t0 = _mm256_hadd_ps(a0, a1);
    const __m256 t1 = _mm256_hadd_ps(a2, a3);
    const __m256 t2 = _mm256_hadd_ps(t0, t1);
    const __m128 r = _mm_add_ps(_mm256_castps256_ps128(t2), _mm256_extractf128_ps(t2, 1));
    _mm_storeu_ps(out, r);
}
#endif

// exp of one value / of n values: the forward pass's polynomial (cpu/ifl-ops.h, <= 2 ulp,
// 0 for -inf), shared so that the engine has a single exp.
inline float exp1(float x) {
    float y;
    exp_f32(&x, 1, &y);
    return y;
}
inline void exp_n(const float * x, float * out, int n) { exp_f32(x, n, out); }

// out[t] = q · k_t for four keys (pointers may repeat), vectors of length d.
inline void dot4(const float * q, const float * k0, const float * k1, const float * k2,
                 const float * k3, int d, float * out) {
#if IFL_ATTN_AVX2
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int c = 0;
    for (; c + 8 <= d; c += 8) {
        const __m256 qv = _mm256_loadu_ps(q + c);
        a0 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k0 + c), a0);
        a1 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k1 + c), a1);
        a2 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k2 + c), a2);
        a3 = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k3 + c), a3);
    }
    if (c < d) {
        const __m256i m = tail_mask(d - c);
        const __m256 qv = _mm256_maskload_ps(q + c, m);
        a0 = _mm256_fmadd_ps(qv, _mm256_maskload_ps(k0 + c, m), a0);
        a1 = _mm256_fmadd_ps(qv, _mm256_maskload_ps(k1 + c, m), a1);
        a2 = _mm256_fmadd_ps(qv, _mm256_maskload_ps(k2 + c, m), a2);
        a3 = _mm256_fmadd_ps(qv, _mm256_maskload_ps(k3 + c, m), a3);
    }
    hsum4(a0, a1, a2, a3, out);
#else
    const float * ks[4] = {k0, k1, k2, k3};
    for (int t = 0; t < 4; ++t) {
        float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int c = 0; c < d; ++c) lane[c % 8] = std::fma(q[c], ks[t][c], lane[c % 8]);
        out[t] = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    }
#endif
}

// dot4 for two query vectors at once (each output bit-identical to dot4 of that query).
inline void dot4x2(const float * q0, const float * q1, const float * k0, const float * k1, const float * k2,
                   const float * k3, int d, float * o0, float * o1) {
#if IFL_ATTN_AVX2
    __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a02 = _mm256_setzero_ps(), a03 = _mm256_setzero_ps();
    __m256 a10 = _mm256_setzero_ps(), a11 = _mm256_setzero_ps(), a12 = _mm256_setzero_ps(), a13 = _mm256_setzero_ps();
    int c = 0;
    auto step = [&](__m256 x0, __m256 x1, __m256 y0, __m256 y1, __m256 y2, __m256 y3) {
        a00 = _mm256_fmadd_ps(x0, y0, a00); a10 = _mm256_fmadd_ps(x1, y0, a10);
        a01 = _mm256_fmadd_ps(x0, y1, a01); a11 = _mm256_fmadd_ps(x1, y1, a11);
        a02 = _mm256_fmadd_ps(x0, y2, a02); a12 = _mm256_fmadd_ps(x1, y2, a12);
        a03 = _mm256_fmadd_ps(x0, y3, a03); a13 = _mm256_fmadd_ps(x1, y3, a13);
    };
    for (; c + 8 <= d; c += 8)
        step(_mm256_loadu_ps(q0 + c), _mm256_loadu_ps(q1 + c), _mm256_loadu_ps(k0 + c), _mm256_loadu_ps(k1 + c),
             _mm256_loadu_ps(k2 + c), _mm256_loadu_ps(k3 + c));
    if (c < d) {
        const __m256i m = tail_mask(d - c);
        step(_mm256_maskload_ps(q0 + c, m), _mm256_maskload_ps(q1 + c, m), _mm256_maskload_ps(k0 + c, m),
             _mm256_maskload_ps(k1 + c, m), _mm256_maskload_ps(k2 + c, m), _mm256_maskload_ps(k3 + c, m));
    }
    hsum4(a00, a01, a02, a03, o0);
    hsum4(a10, a11, a12, a13, o1);
#else
    dot4(q0, k0, k1, k2, k3, d, o0);
    dot4(q1, k0, k1, k2, k3, d, o1);
#endif
}

// Dot product with the same arithmetic as one lane set of dot4.
inline float dot1(const float * a, const float * b, int d) {
#if IFL_ATTN_AVX2
    __m256 acc = _mm256_setzero_ps();
    int c = 0;
    for (; c + 8 <= d; c += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + c), _mm256_loadu_ps(b + c), acc);
    if (c < d) {
        const __m256i m = tail_mask(d - c);
        acc = _mm256_fmadd_ps(_mm256_maskload_ps(a + c, m), _mm256_maskload_ps(b + c, m), acc);
    }
    const __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(acc, acc), acc);
    return _mm_cvtss_f32(_mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1)));
#else
    float out[4];
    dot4(a, b, b, b, b, d, out);
    return out[0];
#endif
}

// a · b for a binary16 row b (f16 -> f32 is exact), vectors of length d. Four accumulator chains
// over 32-element steps (elements [32i + 8j, 32i + 8j + 8) go to chain j; the rest of the row,
// zero-padded to 8, to chain 0), reduced as ((c0 + c1) + (c2 + c3)) of hsum4's lane sums. The
// row is read as one stream at half the bytes of f32: the scoring of f16 representative rows
// (about 2x the speed of dot1 over f32 rows, which is latency-bound on one chain).
inline float dot1_f16(const float * a, const uint16_t * b, int d) {
#if IFL_ATTN_F16C
    auto h8 = [](const uint16_t * p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))); };
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int c = 0;
    for (; c + 32 <= d; c += 32) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c), h8(b + c), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c + 8), h8(b + c + 8), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c + 16), h8(b + c + 16), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c + 24), h8(b + c + 24), a3);
    }
    for (; c + 8 <= d; c += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + c), h8(b + c), a0);
    if (c < d) {
        uint16_t pad[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < d - c; ++i) pad[i] = b[c + i];
        a0 = _mm256_fmadd_ps(_mm256_maskload_ps(a + c, tail_mask(d - c)), h8(pad), a0);
    }
    float o[4];
    hsum4(a0, a1, a2, a3, o);
    return (o[0] + o[1]) + (o[2] + o[3]);
#else
    float lane[4][8] = {};
    const int d32 = d - d % 32;
    for (int c = 0; c < d; ++c) {
        float & l = lane[c < d32 ? (c % 32) / 8 : 0][c % 8];
        l = std::fma(a[c], fp16_to_f32(b[c]), l);
    }
    float o[4];
    for (int j = 0; j < 4; ++j) {
        const float * x = lane[j];
        o[j] = ((x[0] + x[1]) + (x[2] + x[3])) + ((x[4] + x[5]) + (x[6] + x[7]));
    }
    return (o[0] + o[1]) + (o[2] + o[3]);
#endif
}

// acc[c] = acc[c] * a
inline void scale_n(float * acc, float a, int d) {
#if IFL_ATTN_AVX2
    const __m256 av = _mm256_set1_ps(a);
    int c = 0;
    for (; c + 8 <= d; c += 8) _mm256_storeu_ps(acc + c, _mm256_mul_ps(_mm256_loadu_ps(acc + c), av));
    for (; c < d; ++c) acc[c] *= a;
#else
    for (int c = 0; c < d; ++c) acc[c] *= a;
#endif
}

// acc[c] += p * v[c]
inline void axpy_n(float * acc, float p, const float * v, int d) {
#if IFL_ATTN_AVX2
    const __m256 pv = _mm256_set1_ps(p);
    int c = 0;
    for (; c + 8 <= d; c += 8)
        _mm256_storeu_ps(acc + c, _mm256_fmadd_ps(pv, _mm256_loadu_ps(v + c), _mm256_loadu_ps(acc + c)));
    for (; c < d; ++c) acc[c] = std::fma(p, v[c], acc[c]);
#else
    for (int c = 0; c < d; ++c) acc[c] = std::fma(p, v[c], acc[c]);
#endif
}

#if IFL_ATTN_AVX2
// acc[c0 .. c0 + 8*NV) += sum_j p[j] * v_j[...] with the accumulators held in registers.
template <int NV>
inline void pv_block(float * acc, const float * p, const float * const * vrows, int nrows, int c0, int d) {
    __m256 a[NV];
    const bool tail = c0 + 8 * NV > d;  // only the last block may be partial
    const __m256i m = tail_mask(d - (c0 + 8 * (NV - 1)));
    for (int u = 0; u < NV; ++u)
        a[u] = (tail && u == NV - 1) ? _mm256_maskload_ps(acc + c0 + 8 * u, m) : _mm256_loadu_ps(acc + c0 + 8 * u);
    for (int j = 0; j < nrows; ++j) {
        const __m256 pj = _mm256_set1_ps(p[j]);
        const float * v = vrows[j] + c0;
        for (int u = 0; u < NV; ++u) {
            const __m256 vv = (tail && u == NV - 1) ? _mm256_maskload_ps(v + 8 * u, m) : _mm256_loadu_ps(v + 8 * u);
            a[u] = _mm256_fmadd_ps(pj, vv, a[u]);
        }
    }
    for (int u = 0; u < NV; ++u) {
        if (tail && u == NV - 1) _mm256_maskstore_ps(acc + c0 + 8 * u, m, a[u]);
        else _mm256_storeu_ps(acc + c0 + 8 * u, a[u]);
    }
}
#endif

// acc[c] += sum over j in [0, nrows) of p[j] * vrows[j][c], j ascending (one fma per term).
inline void pv_accumulate(float * acc, const float * p, const float * const * vrows, int nrows, int d) {
#if IFL_ATTN_AVX2
    int c0 = 0;
    for (; d - c0 >= 64; c0 += 64) pv_block<8>(acc, p, vrows, nrows, c0, d);
    const int nv = (d - c0 + 7) / 8;
    switch (nv) {
        case 1: pv_block<1>(acc, p, vrows, nrows, c0, d); break;
        case 2: pv_block<2>(acc, p, vrows, nrows, c0, d); break;
        case 3: pv_block<3>(acc, p, vrows, nrows, c0, d); break;
        case 4: pv_block<4>(acc, p, vrows, nrows, c0, d); break;
        case 5: pv_block<5>(acc, p, vrows, nrows, c0, d); break;
        case 6: pv_block<6>(acc, p, vrows, nrows, c0, d); break;
        case 7: pv_block<7>(acc, p, vrows, nrows, c0, d); break;
        default: break;
    }
#else
    for (int j = 0; j < nrows; ++j)
        for (int c = 0; c < d; ++c) acc[c] = std::fma(p[j], vrows[j][c], acc[c]);
#endif
}

#if IFL_ATTN_AVX2
// pv_block for two accumulator rows sharing the value rows.
template <int NV>
inline void pv_block2(float * acc0, float * acc1, const float * p0, const float * p1, const float * const * vrows,
                      int nrows, int c0, int d) {
    __m256 a[NV], b[NV];
    const bool tail = c0 + 8 * NV > d;
    const __m256i m = tail_mask(d - (c0 + 8 * (NV - 1)));
    for (int u = 0; u < NV; ++u) {
        const bool t = tail && u == NV - 1;
        a[u] = t ? _mm256_maskload_ps(acc0 + c0 + 8 * u, m) : _mm256_loadu_ps(acc0 + c0 + 8 * u);
        b[u] = t ? _mm256_maskload_ps(acc1 + c0 + 8 * u, m) : _mm256_loadu_ps(acc1 + c0 + 8 * u);
    }
    for (int j = 0; j < nrows; ++j) {
        const __m256 pa = _mm256_set1_ps(p0[j]), pb = _mm256_set1_ps(p1[j]);
        const float * v = vrows[j] + c0;
        for (int u = 0; u < NV; ++u) {
            const __m256 vv = (tail && u == NV - 1) ? _mm256_maskload_ps(v + 8 * u, m) : _mm256_loadu_ps(v + 8 * u);
            a[u] = _mm256_fmadd_ps(pa, vv, a[u]);
            b[u] = _mm256_fmadd_ps(pb, vv, b[u]);
        }
    }
    for (int u = 0; u < NV; ++u) {
        if (tail && u == NV - 1) {
            _mm256_maskstore_ps(acc0 + c0 + 8 * u, m, a[u]);
            _mm256_maskstore_ps(acc1 + c0 + 8 * u, m, b[u]);
        } else {
            _mm256_storeu_ps(acc0 + c0 + 8 * u, a[u]);
            _mm256_storeu_ps(acc1 + c0 + 8 * u, b[u]);
        }
    }
}
#endif

// pv_accumulate for two rows (each result bit-identical to pv_accumulate of that row).
inline void pv_accumulate2(float * acc0, float * acc1, const float * p0, const float * p1,
                           const float * const * vrows, int nrows, int d) {
#if IFL_ATTN_AVX2
    int c0 = 0;
    for (; d - c0 >= 32; c0 += 32) pv_block2<4>(acc0, acc1, p0, p1, vrows, nrows, c0, d);
    switch ((d - c0 + 7) / 8) {
        case 1: pv_block2<1>(acc0, acc1, p0, p1, vrows, nrows, c0, d); break;
        case 2: pv_block2<2>(acc0, acc1, p0, p1, vrows, nrows, c0, d); break;
        case 3: pv_block2<3>(acc0, acc1, p0, p1, vrows, nrows, c0, d); break;
        case 4: pv_block2<4>(acc0, acc1, p0, p1, vrows, nrows, c0, d); break;
        default: break;
    }
#else
    pv_accumulate(acc0, p0, vrows, nrows, d);
    pv_accumulate(acc1, p1, vrows, nrows, d);
#endif
}

} // namespace ifl::attn_simd
