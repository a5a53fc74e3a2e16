// ifl-qact.cpp — the Q8_0 / Q8_1 / Q8_K activation quantizers (llama.cpp's x86 rounding, see
// ifl-qact.h) and the prepared activation rows of the fast kernels. Scalar on purpose: the work
// is O(n_in) per token against O(n_in * n_out) for the matmul that reads it.
#include "ifl-qact.h"

#include <cmath>
#include <cstring>

#include "ifl-error.h"
#include "ifl-fp16.h"

namespace ifl {

namespace {

// _mm256_round_ps(v, nearest) -> _mm256_cvtps_epi32 -> packs to int16 -> packs to int8, as
// llama.cpp's AVX2 quantize_row_q8_0/1: round half to even, out of range (NaN) -> INT32_MIN -> -128.
int8_t round_sat_i8(float v) {
    const float r = std::nearbyint(v);
    if (!(r >= -2147483648.0f && r < 2147483648.0f)) return -128;
    const int32_t i = (int32_t)r;
    return (int8_t)(i < -128 ? -128 : i > 127 ? 127 : i);
}

// llama.cpp's nearest_int(a * b) (round half to even by adding 1.5 * 2^23, valid below 2^22) as
// GCC compiles it where FMA exists (the golden data's build): the product and the addition
// contract into one FMA, so the exact product is rounded, not the f32 product. Written as an
// explicit fma so that it does not depend on this file's contraction flags.
int nearest_int_of_product(float a, float b) {
    const float t = std::fma(a, b, 12582912.0f);
    int32_t i;
    std::memcpy(&i, &t, sizeof i);
    return (i & 0x007fffff) - 0x00400000;
}

// 32 floats -> qs; returns the f32 scale d (before fp16 rounding); *sum = sum of qs.
float quant32(const float * x, int8_t * qs, int * sum) {
    float amax = 0.0f;
    for (int j = 0; j < 32; ++j) {
        const float a = std::fabs(x[j]);
        amax = a > amax ? a : amax;   // the max of _mm256_max_ps for finite input (std::fmax is a libm call)
    }
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int s = 0;
    for (int j = 0; j < 32; ++j) {
        qs[j] = round_sat_i8(x[j] * id);
        s += qs[j];
    }
    *sum = s;
    return d;
}

// 256 floats -> qs, bsums; returns d.
float quant256(const float * x, int8_t * qs, int16_t * bsums) {
    float max = 0.0f, amax = 0.0f;
    for (int j = 0; j < QK_K; ++j) {
        const float ax = std::fabs(x[j]);
        if (ax > amax) {
            amax = ax;
            max = x[j];
        }
    }
    if (amax == 0.0f) {
        std::memset(qs, 0, QK_K);
        std::memset(bsums, 0, QK_K / 16 * sizeof(int16_t));
        return 0.0f;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < QK_K; ++j) {
        const int v = nearest_int_of_product(iscale, x[j]);
        qs[j] = (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v);
    }
    for (int j = 0; j < QK_K / 16; ++j) {
        int s = 0;
        for (int i = 0; i < 16; ++i) s += qs[16 * j + i];
        bsums[j] = (int16_t)s;
    }
    return 1.0f / iscale;
}

size_t align_up(size_t v, size_t a) { return (v + a - 1) / a * a; }

} // namespace

bool qdot_type_has_fast(ggml_type t) {
    // Every supported block-quantized type; the 1-element "blocks" of F32/F16/BF16 have none.
    return quants_type_supported(t) && ggml_type_get_traits((uint32_t)t)->block_size > 1;
}

act_kind qdot_act_kind(ggml_type t) {
    switch (t) {
        case ggml_type::q4_0: case ggml_type::q5_0: case ggml_type::q8_0: return act_kind::q8_0;
        case ggml_type::q4_1: case ggml_type::q5_1: return act_kind::q8_1;
        case ggml_type::q2_k: case ggml_type::q3_k: case ggml_type::q4_k: case ggml_type::q5_k: case ggml_type::q6_k:
            return act_kind::q8_k;
        default: throw_error(status::invalid_argument, "type %u has no fast (8-bit activation) dot product", (unsigned)t);
    }
}

void quantize_row_q8_0(const float * x, block_q8_0 * y, int64_t n) {
    for (int64_t b = 0; b < n / 32; ++b) {
        int sum;
        y[b].d = f32_to_fp16(quant32(x + 32 * b, y[b].qs, &sum));
    }
}

void quantize_row_q8_1(const float * x, block_q8_1 * y, int64_t n) {
    for (int64_t b = 0; b < n / 32; ++b) {
        int sum;
        const float d = quant32(x + 32 * b, y[b].qs, &sum);
        y[b].d = f32_to_fp16(d);
        y[b].s = f32_to_fp16(d * (float)sum);
    }
}

void quantize_row_q8_k(const float * x, block_q8_k * y, int64_t n) {
    for (int64_t b = 0; b < n / QK_K; ++b) y[b].d = quant256(x + QK_K * b, y[b].qs, y[b].bsums);
}

qact_layout qact_layout_for(ggml_type weight_type, int64_t n_in) {
    qact_layout L{};
    L.kind = qdot_act_kind(weight_type);
    L.off = weight_type == ggml_type::q4_0 ? 8 : weight_type == ggml_type::q5_0 ? 16 : 0;
    const int64_t block = L.kind == act_kind::q8_k ? QK_K : 32;
    if (n_in < 0 || n_in % block != 0)
        throw_error(status::invalid_argument, "fast matmul: row length %lld is not a multiple of %lld", (long long)n_in, (long long)block);
    L.nb = n_in / block;
    const size_t nb = (size_t)L.nb;
    L.corr_off = align_up(nb * (size_t)block, 32);
    L.d_off = L.corr_off + align_up(nb * 32, 32);   // corr: 8 x int32, bsums: 16 x int16 (32 bytes)
    L.s_off = L.d_off + align_up(nb * 4, 32);
    L.row_bytes = align_up(L.s_off + (L.kind == act_kind::q8_1 ? nb * 4 : 0), 64);
    if (L.row_bytes == 0) L.row_bytes = 64;
    return L;
}

void qact_prepare_row(const qact_layout & L, const float * x, uint8_t * row) {
    int8_t * qs = reinterpret_cast<int8_t *>(row);
    float * d = reinterpret_cast<float *>(row + L.d_off);
    if (L.kind == act_kind::q8_k) {
        int16_t * bsums = reinterpret_cast<int16_t *>(row + L.corr_off);   // [nb][16]
        for (int64_t b = 0; b < L.nb; ++b) d[b] = quant256(x + QK_K * b, qs + QK_K * b, bsums + 16 * b);
        return;
    }
    int32_t * corr = reinterpret_cast<int32_t *>(row + L.corr_off);       // [nb][8]
    float * s = reinterpret_cast<float *>(row + L.s_off);
    for (int64_t b = 0; b < L.nb; ++b) {
        int sum;
        int8_t * q = qs + 32 * b;
        const float df = quant32(x + 32 * b, q, &sum);
        d[b] = fp16_to_f32(f32_to_fp16(df));
        if (L.kind == act_kind::q8_1) s[b] = fp16_to_f32(f32_to_fp16(df * (float)sum));
        if (L.off != 0)
            for (int l = 0; l < 8; ++l) corr[8 * b + l] = -L.off * (q[4 * l] + q[4 * l + 1] + q[4 * l + 2] + q[4 * l + 3]);
    }
}

} // namespace ifl
