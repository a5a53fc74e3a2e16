// ifl-attention-score.cpp — the kernel's side output: for a stage that asks for it, the final
// normalised probability of every (query, head, key), summed over queries. Runs after the main
// pass (it needs each row's final max and sum); reuses the main pass's logits when they were
// kept, otherwise recomputes them with the same arithmetic.
#include "cpu/ifl-attention-impl.h"

namespace ifl::attn_impl {

// Adds exp(s - m) / l of the visible logits to the row's score sums.
static void add_probs(float * s, float * p, float m, float l, int64_t a, int64_t b, int64_t t0, float * srow) {
    for (int t = 0; t < k_attn_tile; ++t) s[t] -= m;
    exp_n(s, p, k_attn_tile);
    const float inv_l = 1.0f / l;
    for (int64_t j = a; j < b; ++j) srow[j - t0] += p[j - t0] * inv_l;
}

// Sums normalised probabilities of one stage segment for one kv head over all queries.
// sums: [g, k_attn_tile] scratch.
void score_segment(const plan & c, int hk, const attn_workspace::segment & sg, const tile_scratch & ts, float * sums) {
    const attn_problem & p = *c.p;
    const attn_stage & st = p.stages[sg.stage];
    const int d = p.head_dim;
    const int64_t rs = st.kv_row_stride;
    const float * kbase = static_cast<const float *>(st.k) + hk * st.kv_head_stride;  // score stages are f32
    for (int64_t t0 = sg.j0; t0 < sg.j1; t0 += k_attn_tile) {
        const int64_t t1 = std::min<int64_t>(t0 + k_attn_tile, sg.j1);
        std::fill(sums, sums + (int64_t)c.g * k_attn_tile, 0.0f);
        for (int64_t i = 0; i < p.n_q; ++i) {
            int64_t a, b;
            visible(st.band, i, t0, t1, &a, &b);
            if (a >= b) continue;
            for (int gi = 0; gi < c.g;) {
                const int hq = hk * c.g + gi;
                const int64_t ri = i * p.n_head + hq;
                const float * q0 = st.q + i * c.q_stride + (int64_t)hq * d;
                const float m0 = c.ws->row_m[ri], l0 = c.ws->row_l[ri];
                if (c.keep_logits) {
                    tile_from_kept(kept_row(c, sg.stage, i, hq), t0, a, b, ts.s0);
                    if (l0 > 0.0f) add_probs(ts.s0, ts.p0, m0, l0, a, b, t0, sums + (int64_t)gi * k_attn_tile);
                    gi += 1;
                } else if (gi + 1 < c.g) {
                    const float m1 = c.ws->row_m[ri + 1], l1 = c.ws->row_l[ri + 1];
                    tile_logits2(q0, q0 + d, kbase, rs, d, p.scale, t0, a, b, ts.s0, ts.s1);
                    if (l0 > 0.0f) add_probs(ts.s0, ts.p0, m0, l0, a, b, t0, sums + (int64_t)gi * k_attn_tile);
                    if (l1 > 0.0f) add_probs(ts.s1, ts.p1, m1, l1, a, b, t0, sums + (int64_t)(gi + 1) * k_attn_tile);
                    gi += 2;
                } else {
                    tile_logits(q0, kbase, rs, d, p.scale, t0, a, b, ts.s0);
                    if (l0 > 0.0f) add_probs(ts.s0, ts.p0, m0, l0, a, b, t0, sums + (int64_t)gi * k_attn_tile);
                    gi += 1;
                }
            }
        }
        for (int gi = 0; gi < c.g; ++gi) {
            const int hq = hk * c.g + gi;
            for (int64_t j = t0; j < t1; ++j)
                st.score[hq * st.score_head_stride + j * st.score_key_stride] += sums[(int64_t)gi * k_attn_tile + (j - t0)];
        }
    }
}

} // namespace ifl::attn_impl
