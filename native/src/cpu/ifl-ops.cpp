// ifl-ops.cpp — AVX2 implementations of rms_norm, element-wise ops, silu_mul, softmax, argmax
// and the exp polynomial (error bounds in ifl-ops.h). Scalar tails use the same formulas, so a
// result does not depend on an element's position.
#include "ifl-ops.h"

#include <cmath>
#include <cstring>

#if defined(IFL_X86)
#include <immintrin.h>
#endif

namespace ifl {

namespace {

// exp via x = n*ln2 + r: ln2 split in a float hi part and a lo correction (both applied with
// FMA), Taylor coefficients 1/k! for k <= 7 (truncation < 0.1 ulp for |r| <= ln2/2), and 2^n
// applied as two exact power-of-two factors so that n up to 128 and gradual underflow work.
constexpr float k_log2e = 1.44269504088896341f;
constexpr float k_ln2_hi = 0.693145751953125f;          // 16 significant bits: n*hi is exact
constexpr float k_ln2_lo = 1.42860682030941723212e-6f;  // ln2 - hi
constexpr float k_exp_lo = -104.0f, k_exp_hi = 88.8f;   // beyond: 0 / +inf
constexpr float k_c[8] = {1.0f, 1.0f, 1.0f / 2, 1.0f / 6, 1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040};

inline float exp_scalar(float x) {
    if (x != x) return x;
    const float xc = std::fmin(std::fmax(x, k_exp_lo), k_exp_hi);
    const float n = std::nearbyint(xc * k_log2e);
    const float r = std::fma(-n, k_ln2_lo, std::fma(-n, k_ln2_hi, xc));
    float p = k_c[7];
    for (int k = 6; k >= 0; --k) p = std::fma(p, r, k_c[k]);
    const int ni = (int)n, n1 = ni >> 1, n2 = ni - n1;
    return std::ldexp(std::ldexp(p, n1), n2) ;
}

#if defined(IFL_X86)
inline __m256 pow2i(__m256i n) {  // 2^n for -126 <= n <= 127
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

inline __m256 exp_avx2(__m256 x) {
    const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(k_exp_lo)), _mm256_set1_ps(k_exp_hi));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(k_log2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(k_ln2_hi), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(k_ln2_lo), r);
    __m256 p = _mm256_set1_ps(k_c[7]);
    for (int k = 6; k >= 0; --k) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(k_c[k]));
    const __m256i ni = _mm256_cvtps_epi32(n);
    const __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, pow2i(n1)), pow2i(n2));
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));  // NaN in, NaN out
}

// Sum of squares in double: 4 double lanes per half, fixed order.
inline double sum_squares(const float * x, int64_t n) {
    __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v)), hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
        a0 = _mm256_fmadd_pd(lo, lo, a0);
        a1 = _mm256_fmadd_pd(hi, hi, a1);
    }
    alignas(32) double t[4];
    _mm256_store_pd(t, _mm256_add_pd(a0, a1));
    double s = (t[0] + t[1]) + (t[2] + t[3]);
    for (; i < n; ++i) s += (double)x[i] * x[i];
    return s;
}
#else
inline double sum_squares(const float * x, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += (double)x[i] * x[i];
    return s;
}
#endif

} // namespace

void exp_f32(const float * x, int64_t n, float * out) {
    int64_t i = 0;
#if defined(IFL_X86)
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, exp_avx2(_mm256_loadu_ps(x + i)));
#endif
    for (; i < n; ++i) out[i] = exp_scalar(x[i]);
}

void rms_norm(const float * x, const float * w, int64_t n, float eps, float * out) {
    if (n <= 0) return;
    const float scale = (float)(1.0 / std::sqrt(sum_squares(x, n) / (double)n + (double)eps));
    int64_t i = 0;
#if defined(IFL_X86)
    const __m256 s = _mm256_set1_ps(scale);
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), s);
        if (w) v = _mm256_mul_ps(v, _mm256_loadu_ps(w + i));
        _mm256_storeu_ps(out + i, v);
    }
#endif
    for (; i < n; ++i) {
        const float v = x[i] * scale;
        out[i] = w ? v * w[i] : v;
    }
}

#if defined(IFL_X86)
#define IFL_ELEMENTWISE(vec_expr, scalar_expr)                                                     \
    int64_t i = 0;                                                                                 \
    for (; i + 8 <= n; i += 8) vec_expr;                                                           \
    for (; i < n; ++i) scalar_expr;
#else
#define IFL_ELEMENTWISE(vec_expr, scalar_expr)                                                     \
    for (int64_t i = 0; i < n; ++i) scalar_expr;
#endif

void add_inplace(float * a, const float * b, int64_t n) {
    IFL_ELEMENTWISE(_mm256_storeu_ps(a + i, _mm256_add_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))), a[i] += b[i])
}

void mul_inplace(float * a, const float * b, int64_t n) {
    IFL_ELEMENTWISE(_mm256_storeu_ps(a + i, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i))), a[i] *= b[i])
}

void scale_inplace(float * x, int64_t n, float s) {
    IFL_ELEMENTWISE(_mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), _mm256_set1_ps(s))), x[i] *= s)
}

void silu_mul(const float * gate, const float * up, int64_t n, float * out) {
#if defined(IFL_X86)
    const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
#endif
    IFL_ELEMENTWISE(
        {
            const __m256 g = _mm256_loadu_ps(gate + i);
            const __m256 e = exp_avx2(_mm256_xor_ps(g, sign));
            _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
        },
        out[i] = gate[i] / (1.0f + exp_scalar(-gate[i])) * up[i])
}

void softmax_inplace(float * x, int64_t n) {
    if (n <= 0) return;
    float m = -INFINITY;
    for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
    if (m == -INFINITY) m = x[0];  // all -inf (or NaN): let the formula produce NaN
    double sum = 0.0;
    int64_t i = 0;
#if defined(IFL_X86)
    const __m256 mv = _mm256_set1_ps(m);
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
        _mm256_storeu_ps(x + i, e);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    alignas(32) double t[4];
    _mm256_store_pd(t, _mm256_add_pd(s0, s1));
    sum = (t[0] + t[1]) + (t[2] + t[3]);
#endif
    for (; i < n; ++i) {
        x[i] = exp_scalar(x[i] - m);
        sum += x[i];
    }
    scale_inplace(x, n, (float)(1.0 / sum));
}

int64_t argmax(const float * x, int64_t n) {
    if (n <= 0) return -1;
    float m = -INFINITY;
    int64_t i = 0;
#if defined(IFL_X86)
    __m256 mv = _mm256_set1_ps(-INFINITY);
    for (; i + 8 <= n; i += 8) mv = _mm256_max_ps(_mm256_loadu_ps(x + i), mv);  // NaN x keeps mv
    alignas(32) float t[8];
    _mm256_store_ps(t, mv);
    for (float v : t) m = v > m ? v : m;
#endif
    for (; i < n; ++i) m = x[i] > m ? x[i] : m;
    for (int64_t k = 0; k < n; ++k)
        if (x[k] == m) return k;
    return 0;  // every entry NaN
}

} // namespace ifl
