// ifl-attention-impl.h — internals shared by the attention kernel's translation units
// (ifl-attention.cpp: main pass; ifl-attention-score.cpp: probability side output). Not a
// public header.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu/ifl-attention-simd.h"
#include "cpu/ifl-attention.h"

namespace ifl::attn_impl {

using namespace attn_simd;

constexpr float k_neg_inf = -INFINITY;

struct plan {
    const attn_problem * p = nullptr;
    attn_workspace *     ws = nullptr;
    int     g = 1;          // query heads per kv head
    int64_t q_stride = 0;   // floats between queries
    int     n_qt = 0;       // query tiles
    int     n_units = 0;    // n_qt * n_head_kv
    int     n_segs = 0;
    int     sl = 0;         // state length per row: m, l, acc[head_dim]
    int     rows_max = 0;
    bool    split = false;
    bool    keep_logits = false;  // score stages reuse the main pass's logits instead of recomputing
};

struct unit_geom {
    int hk = 0, i0 = 0, nq = 0, rows = 0;
};

inline unit_geom unit_of(const plan & c, int u) {
    unit_geom ug;
    ug.hk = u % c.p->n_head_kv;
    ug.i0 = (u / c.p->n_head_kv) * k_attn_q_tile;
    ug.nq = std::min(k_attn_q_tile, c.p->n_q - ug.i0);
    ug.rows = ug.nq * c.g;
    return ug;
}

// Keys of [t0, t1) visible to query i: [*a, *b).
inline void visible(const attn_band & bd, int64_t i, int64_t t0, int64_t t1, int64_t * a, int64_t * b) {
    const int64_t qp = bd.q_pos0 + i;
    *a = std::max(t0, qp - bd.d_max - bd.k_pos0);
    *b = std::min(t1, qp - bd.d_min - bd.k_pos0 + 1);
}

// s[j - t0] = scale * q·k_j for j in [a, b), -inf elsewhere in the tile.
inline void tile_logits(const float * q, const float * kbase, int64_t rs, int d, float scale,
                        int64_t t0, int64_t a, int64_t b, float * s) {
    for (int t = 0; t < k_attn_tile; ++t) s[t] = k_neg_inf;
    float o[4];
    for (int64_t j = a; j < b; j += 4) {
        const float * k0 = kbase + j * rs;
        const float * k1 = j + 1 < b ? k0 + rs : k0;
        const float * k2 = j + 2 < b ? k0 + 2 * rs : k0;
        const float * k3 = j + 3 < b ? k0 + 3 * rs : k0;
        dot4(q, k0, k1, k2, k3, d, o);
        for (int t = 0; t < 4 && j + t < b; ++t) s[j + t - t0] = o[t] * scale;
    }
}

// tile_logits for two queries seeing the same keys (two heads of one kv head).
inline void tile_logits2(const float * q0, const float * q1, const float * kbase, int64_t rs, int d, float scale,
                         int64_t t0, int64_t a, int64_t b, float * s0, float * s1) {
    for (int t = 0; t < k_attn_tile; ++t) s0[t] = s1[t] = k_neg_inf;
    float o0[4], o1[4];
    for (int64_t j = a; j < b; j += 4) {
        const float * k0 = kbase + j * rs;
        const float * k1 = j + 1 < b ? k0 + rs : k0;
        const float * k2 = j + 2 < b ? k0 + 2 * rs : k0;
        const float * k3 = j + 3 < b ? k0 + 3 * rs : k0;
        dot4x2(q0, q1, k0, k1, k2, k3, d, o0, o1);
        for (int t = 0; t < 4 && j + t < b; ++t) {
            s0[j + t - t0] = o0[t] * scale;
            s1[j + t - t0] = o1[t] * scale;
        }
    }
}

inline float * thread_buf(const plan & c, int ith) { return c.ws->thread_scratch[ith].data(); }

// Kept logits of (query i, head hq) for a score stage: [n_keys] (the next head follows).
inline float * kept_row(const plan & c, int stage, int64_t i, int hq) {
    const int64_t n_keys = c.p->stages[stage].n_keys;
    return c.ws->logits.data() + c.ws->logit_off[stage] + (i * c.p->n_head + hq) * n_keys;
}

// Tile logits of one row from the kept logits (same values tile_logits computes).
inline void tile_from_kept(const float * kept, int64_t t0, int64_t a, int64_t b, float * s) {
    for (int t = 0; t < k_attn_tile; ++t) s[t] = k_neg_inf;
    std::memcpy(s + (a - t0), kept + a, sizeof(float) * (size_t)(b - a));
}

// Per-thread tile scratch: logits and probabilities of two rows, then (after the score sums of
// [g, k_attn_tile]) the decoded keys and values of one tile of a non-f32 stage.
struct tile_scratch {
    float * s0; float * p0; float * s1; float * p1;
    float * kt;  // [k_attn_tile, head_dim]
    float * vt;  // [k_attn_tile, head_dim]
};

// Floats of tile scratch per thread.
inline int64_t tile_scratch_floats(int g, int head_dim) {
    return (int64_t)(4 + g) * k_attn_tile + 2 * (int64_t)k_attn_tile * head_dim;
}

inline tile_scratch tile_bufs(const plan & c, float * base) {
    float * conv = base + (int64_t)(4 + c.g) * k_attn_tile;
    return {base, base + k_attn_tile, base + 2 * k_attn_tile, base + 3 * k_attn_tile,
            conv, conv + (int64_t)k_attn_tile * c.p->head_dim};
}

// Address of element `idx` of a key/value array of type t.
inline const void * kv_elem(const void * base, kv_type t, int64_t idx) {
    return static_cast<const uint8_t *>(base) + idx * (int64_t)kv_type_elem_bytes(t);
}

// Adds the side output of one segment of a score stage (kv head hk, every query).
// sums: [g, k_attn_tile] scratch.
void score_segment(const plan & c, int hk, const attn_workspace::segment & sg, const tile_scratch & ts, float * sums);

} // namespace ifl::attn_impl
