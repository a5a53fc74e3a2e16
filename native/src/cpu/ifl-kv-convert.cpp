// ifl-kv-convert.cpp — f16 / q8 row encoding and decoding (see the header).
#include "cpu/ifl-kv-convert.h"

#include <cmath>
#include <cstring>

#include "cpu/ifl-fp16.h"

#if defined(__AVX2__) && defined(__F16C__)
#include <immintrin.h>
#define IFL_KV_AVX2 1
#endif

namespace ifl {

void kv_encode_f16(const float * src, int d, uint16_t * dst) {
    for (int c = 0; c < d; ++c) dst[c] = f32_to_fp16(src[c]);
}

float kv_encode_q8(const float * src, int d, int8_t * dst) {
    float amax = 0.0f;
    for (int c = 0; c < d; ++c) {
        const float a = std::fabs(src[c]);
        amax = a > amax ? a : amax;  // NaN compares false: ignored
    }
    if (!(amax > 0.0f) || !std::isfinite(amax)) {
        // all zero (or non-finite keys, which the model never produces): store zeros
        std::memset(dst, 0, (size_t)d);
        return 0.0f;
    }
    const float inv = 127.0f / amax;
    for (int c = 0; c < d; ++c) {
        float q = std::nearbyint(src[c] * inv);  // round half to even (default rounding mode)
        q = q > 127.0f ? 127.0f : (q < -127.0f ? -127.0f : q);
        dst[c] = (int8_t)q;
    }
    return amax / 127.0f;
}

namespace {

void decode_f16_row(const uint16_t * s, int d, float * o) {
    int c = 0;
#if IFL_KV_AVX2
    for (; c + 8 <= d; c += 8)
        _mm256_storeu_ps(o + c, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(s + c))));
#endif
    for (; c < d; ++c) o[c] = fp16_to_f32(s[c]);
}

void decode_q8_row(const int8_t * s, float scale, int d, float * o) {
    int c = 0;
#if IFL_KV_AVX2
    const __m256 sv = _mm256_set1_ps(scale);
    for (; c + 8 <= d; c += 8) {
        const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(s + c));
        _mm256_storeu_ps(o + c, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(b)), sv));
    }
#endif
    for (; c < d; ++c) o[c] = (float)s[c] * scale;
}

} // namespace

void kv_decode_rows(kv_type t, const void * src, int64_t row_stride, const float * scales, int64_t scale_stride,
                    int64_t n_rows, int d, float * dst) {
    switch (t) {
        case kv_type::f32:
            for (int64_t r = 0; r < n_rows; ++r)
                std::memcpy(dst + r * d, static_cast<const float *>(src) + r * row_stride, sizeof(float) * (size_t)d);
            break;
        case kv_type::f16:
            for (int64_t r = 0; r < n_rows; ++r)
                decode_f16_row(static_cast<const uint16_t *>(src) + r * row_stride, d, dst + r * d);
            break;
        case kv_type::q8:
            for (int64_t r = 0; r < n_rows; ++r)
                decode_q8_row(static_cast<const int8_t *>(src) + r * row_stride, scales[r * scale_stride], d, dst + r * d);
            break;
    }
}

} // namespace ifl
