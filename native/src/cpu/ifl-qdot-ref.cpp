// ifl-qdot-ref.cpp — the scalar `ref` variant of the fast numerics: the definition in ifl-qdot.h
// written element by element (each weight element's integer quant, sub-block scale and min are
// decoded on their own), so that the SIMD variants, which must agree bit for bit, are checked
// against an implementation that shares none of their unpacking.
#include "ifl-qdot.h"

#include <cmath>
#include <cstring>

#include "ifl-fp16.h"
#include "ifl-quants.h"

namespace ifl {

namespace {

// One weight block as integers: element e = (q[e] - off) * sc[e], min term min[e]; float scales.
struct int_block {
    int   q[QK_K];
    int   sc[QK_K];
    int   mn[QK_K];
    int   off = 0;
    float d = 0.0f, dmin = 0.0f;   // dmin: the Q4_1/Q5_1 min m, or the K-quant dmin
};

int nib(uint8_t b, bool high) { return high ? b >> 4 : b & 0xF; }

void decode_32(ggml_type t, const uint8_t * p, int_block & B) {
    for (int e = 0; e < 32; ++e) B.sc[e] = 1, B.mn[e] = 0;
    B.off = 0, B.dmin = 0.0f;
    uint32_t qh = 0;
    switch (t) {
        case ggml_type::q4_0: {
            const auto & b = *reinterpret_cast<const block_q4_0 *>(p);
            B.d = fp16_to_f32(b.d), B.off = 8;
            for (int e = 0; e < 32; ++e) B.q[e] = nib(b.qs[e % 16], e >= 16);
            break;
        }
        case ggml_type::q4_1: {
            const auto & b = *reinterpret_cast<const block_q4_1 *>(p);
            B.d = fp16_to_f32(b.d), B.dmin = fp16_to_f32(b.m);
            for (int e = 0; e < 32; ++e) B.q[e] = nib(b.qs[e % 16], e >= 16);
            break;
        }
        case ggml_type::q5_0: {
            const auto & b = *reinterpret_cast<const block_q5_0 *>(p);
            std::memcpy(&qh, b.qh, 4);
            B.d = fp16_to_f32(b.d), B.off = 16;
            for (int e = 0; e < 32; ++e) B.q[e] = nib(b.qs[e % 16], e >= 16) | (int)(((qh >> e) & 1u) << 4);
            break;
        }
        case ggml_type::q5_1: {
            const auto & b = *reinterpret_cast<const block_q5_1 *>(p);
            std::memcpy(&qh, b.qh, 4);
            B.d = fp16_to_f32(b.d), B.dmin = fp16_to_f32(b.m);
            for (int e = 0; e < 32; ++e) B.q[e] = nib(b.qs[e % 16], e >= 16) | (int)(((qh >> e) & 1u) << 4);
            break;
        }
        default: {  // q8_0
            const auto & b = *reinterpret_cast<const block_q8_0 *>(p);
            B.d = fp16_to_f32(b.d);
            for (int e = 0; e < 32; ++e) B.q[e] = b.qs[e];
            break;
        }
    }
}

void decode_k(ggml_type t, const uint8_t * p, int_block & B) {
    for (int e = 0; e < QK_K; ++e) B.mn[e] = 0;
    B.off = 0, B.dmin = 0.0f;
    switch (t) {
        case ggml_type::q2_k: {  // e = 128n + 32j + 16h + l, sub-block e / 16
            const auto & b = *reinterpret_cast<const block_q2_k *>(p);
            B.d = fp16_to_f32(b.d), B.dmin = fp16_to_f32(b.dmin);
            for (int e = 0; e < QK_K; ++e) {
                const int n = e >> 7, j = (e >> 5) & 3, h = (e >> 4) & 1, l = e & 15;
                B.q[e] = (b.qs[32 * n + 16 * h + l] >> (2 * j)) & 3;
                B.sc[e] = b.scales[e / 16] & 0xF, B.mn[e] = b.scales[e / 16] >> 4;
            }
            break;
        }
        case ggml_type::q3_k: {
            const auto & b = *reinterpret_cast<const block_q3_k *>(p);
            int8_t sc[16];
            q3k_scales(b.scales, sc);
            B.d = fp16_to_f32(b.d), B.off = 4;
            for (int e = 0; e < QK_K; ++e) {
                const int n = e >> 7, j = (e >> 5) & 3, h = (e >> 4) & 1, l = e & 15;
                const int low = (b.qs[32 * n + 16 * h + l] >> (2 * j)) & 3, high = (b.hmask[16 * h + l] >> (4 * n + j)) & 1;
                B.q[e] = low | (high << 2);
                B.sc[e] = sc[e / 16];
            }
            break;
        }
        case ggml_type::q4_k: case ggml_type::q5_k: {  // e = 64g + 32h + l, sub-block e / 32
            const bool q5 = t == ggml_type::q5_k;
            const uint8_t * scales = q5 ? reinterpret_cast<const block_q5_k *>(p)->scales : reinterpret_cast<const block_q4_k *>(p)->scales;
            const uint8_t * qs = q5 ? reinterpret_cast<const block_q5_k *>(p)->qs : reinterpret_cast<const block_q4_k *>(p)->qs;
            const uint16_t * dd = reinterpret_cast<const uint16_t *>(p);   // d, dmin lead both layouts
            B.d = fp16_to_f32(dd[0]), B.dmin = fp16_to_f32(dd[1]);
            for (int e = 0; e < QK_K; ++e) {
                const int g = e >> 6, h = (e >> 5) & 1, l = e & 31;
                uint8_t sc, m;
                q4k_scale_min(e / 32, scales, sc, m);
                B.q[e] = nib(qs[32 * g + l], h == 1);
                if (q5) B.q[e] |= ((reinterpret_cast<const block_q5_k *>(p)->qh[l] >> (2 * g + h)) & 1) << 4;
                B.sc[e] = sc, B.mn[e] = m;
            }
            break;
        }
        default: {  // q6_k: e = 128n + 32k + l, sub-block e / 16
            const auto & b = *reinterpret_cast<const block_q6_k *>(p);
            B.d = fp16_to_f32(b.d), B.off = 32;
            for (int e = 0; e < QK_K; ++e) {
                const int n = e >> 7, k = (e >> 5) & 3, l = e & 31;
                B.q[e] = nib(b.ql[64 * n + 32 * (k & 1) + l], (k >> 1) == 1) | (((b.qh[32 * n + l] >> (2 * k)) & 3) << 4);
                B.sc[e] = b.scales[e / 16];
            }
            break;
        }
    }
}

float reduce8_ref(const float * a) {
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

} // namespace

float qdot_ref(const qmatmul_job & j, int64_t o, int64_t t) {
    const qact_layout & L = j.act_layout;
    const uint8_t * row = j.w + (size_t)o * j.row_bytes;
    const uint8_t * act = j.act + (size_t)t * L.row_bytes;
    const int8_t * qx_all = reinterpret_cast<const int8_t *>(act);
    const float * dx = reinterpret_cast<const float *>(act + L.d_off);
    const float * sx = reinterpret_cast<const float *>(act + L.s_off);
    const bool k = L.kind == act_kind::q8_k;
    const int block = k ? (int)QK_K : 32;
    const size_t block_bytes = ggml_type_get_traits((uint32_t)j.type)->type_size;
    const bool has_min = j.type == ggml_type::q2_k || j.type == ggml_type::q4_k || j.type == ggml_type::q5_k;
    const bool has_m = j.type == ggml_type::q4_1 || j.type == ggml_type::q5_1;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    static thread_local int_block B;
    for (int64_t b = 0; b < L.nb; ++b) {
        if (k) decode_k(j.type, row + (size_t)b * block_bytes, B);
        else decode_32(j.type, row + (size_t)b * block_bytes, B);
        const int8_t * qx = qx_all + (size_t)b * block;
        int32_t lane[8] = {0, 0, 0, 0, 0, 0, 0, 0}, mlane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int e = 0; e < block; ++e) lane[(e % 32) / 4] += B.sc[e] * (B.q[e] - (k ? 0 : B.off)) * qx[e];
        if (k)
            for (int e = 0; e < block; ++e) {
                lane[e / 32] -= B.off * B.sc[e] * qx[e];
                mlane[e / 32] += B.mn[e] * qx[e];
            }
        const float s = B.d * dx[b];
        for (int l = 0; l < 8; ++l) acc[l] = std::fma((float)lane[l], s, acc[l]);
        if (has_m) acc[0] = std::fma(B.dmin, sx[b], acc[0]);
        if (has_min) {
            const float sm = B.dmin * dx[b];
            for (int l = 0; l < 8; ++l) acc[l] = std::fma(-(float)mlane[l], sm, acc[l]);
        }
    }
    return reduce8_ref(acc);
}

} // namespace ifl
