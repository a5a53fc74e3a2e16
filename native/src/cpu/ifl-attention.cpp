// ifl-attention.cpp — multi-stage attention, main pass: work decomposition, per-segment partial
// softmax, ordered merging and normalisation (side output: ifl-attention-score.cpp).
//
// Work unit = (kv head, tile of k_attn_q_tile queries); its rows are (query, query head of the
// group), row r = query (r / g), head hk*g + r % g. A unit walks the segment list in order; each
// segment yields a fresh partial (m, l, acc) which is merged into the running state. When there
// are few units (decode), segments are computed in parallel into a buffer and merged afterwards
// in the same order: identical arithmetic, more parallelism.
#include "cpu/ifl-attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "cpu/ifl-attention-impl.h"
#include "cpu/ifl-kv-convert.h"
#include "ifl-error.h"
#include "ifl-threadpool.h"

namespace ifl {
namespace {

using namespace attn_impl;

constexpr int64_t k_max_split_float = int64_t(16) << 20;  // partial buffer cap (64 MiB)
constexpr int64_t k_max_kept_logits = int64_t(4) << 20;   // logits kept for the score pass (16 MiB)

// Online-softmax step of one row (m, l, acc) over the tile logits s (visible [a, b) at
// offsets from t0): rescales the state, writes exp(s - m) into p and adds their sum to l.
// Returns false (state untouched) when no visible logit is finite.
inline bool softmax_step(float * row, float * s, float * p, int64_t a, int64_t b, int64_t t0, int d) {
    float tmax = k_neg_inf;
    for (int64_t j = a; j < b; ++j) tmax = std::max(tmax, s[j - t0]);
    if (!(tmax > k_neg_inf)) return false;
    if (tmax > row[0]) {
        if (row[0] > k_neg_inf) {
            const float alpha = exp1(row[0] - tmax);
            row[1] *= alpha;
            scale_n(row + 2, alpha, d);
        }
        row[0] = tmax;
    }
    for (int t = 0; t < k_attn_tile; ++t) s[t] -= row[0];
    exp_n(s, p, k_attn_tile);
    float sum = 0.0f;
    for (int64_t j = a; j < b; ++j) sum += p[j - t0];
    row[1] += sum;
    return true;
}

// Decodes keys and values [t0, t1) of kv head hk of a non-f32 stage into kt/vt [t1 - t0, d].
void decode_tile(const attn_stage & st, int hk, int64_t t0, int64_t t1, int d, float * kt, float * vt) {
    const int64_t e0 = hk * st.kv_head_stride + t0 * st.kv_row_stride;
    const int64_t s0 = hk * st.scale_head_stride + t0 * st.scale_row_stride;
    const float * ks = st.kv == kv_type::q8 ? st.k_scale + s0 : nullptr;
    const float * vs = st.kv == kv_type::q8 ? st.v_scale + s0 : nullptr;
    kv_decode_rows(st.kv, kv_elem(st.k, st.kv, e0), st.kv_row_stride, ks, st.scale_row_stride, t1 - t0, d, kt);
    kv_decode_rows(st.kv, kv_elem(st.v, st.kv, e0), st.kv_row_stride, vs, st.scale_row_stride, t1 - t0, d, vt);
}

// Keys and values [t0, t1) of kv head hk as f32 rows: in place for f32 stages, decoded into the
// thread's tile scratch otherwise. Key t0 + i at k + i * row_stride (same for v).
struct kv_tile {
    const float * k;
    const float * v;
    int64_t       row_stride;
};

kv_tile tile_of(const attn_stage & st, int hk, int64_t t0, int64_t t1, int d, const tile_scratch & ts) {
    if (st.kv != kv_type::f32) {
        decode_tile(st, hk, t0, t1, d, ts.kt, ts.vt);
        return {ts.kt, ts.vt, d};
    }
    const int64_t off = hk * st.kv_head_stride + t0 * st.kv_row_stride;
    return {static_cast<const float *>(st.k) + off, static_cast<const float *>(st.v) + off, st.kv_row_stride};
}

// Fresh partial state of the unit's rows over one segment. state: [rows, sl]. Two rows of the
// same query (heads of one kv head) are processed together to share key/value loads; each row's
// arithmetic is the same as when processed alone.
void segment_partial(const plan & c, const unit_geom & ug, const attn_workspace::segment & sg,
                     float * state, const tile_scratch & ts) {
    const attn_problem & p = *c.p;
    const attn_stage & st = p.stages[sg.stage];
    const int d = p.head_dim;
    for (int r = 0; r < ug.rows; ++r) {
        float * row = state + (int64_t)r * c.sl;
        row[0] = k_neg_inf;
        row[1] = 0.0f;
        std::memset(row + 2, 0, sizeof(float) * d);
    }
    const float * vrows[k_attn_tile];
    for (int64_t t0 = sg.j0; t0 < sg.j1; t0 += k_attn_tile) {
        const int64_t t1 = std::min<int64_t>(t0 + k_attn_tile, sg.j1);
        const kv_tile tile = tile_of(st, ug.hk, t0, t1, d, ts);
        const float * kt = tile.k;
        const float * vt = tile.v;
        const int64_t rt = tile.row_stride;
        for (int r = 0; r < ug.rows;) {
            const int64_t i = ug.i0 + r / c.g;
            const int hq = ug.hk * c.g + r % c.g;
            const bool pair = r % c.g + 1 < c.g;  // the next row is the same query's next head
            int64_t a, b;
            visible(st.band, i, t0, t1, &a, &b);
            if (a >= b) {
                r += pair ? 2 : 1;
                continue;
            }
            for (int64_t j = a; j < b; ++j) vrows[j - a] = vt + (j - t0) * rt;
            const float * q0 = st.q + i * c.q_stride + (int64_t)hq * d;
            float * row0 = state + (int64_t)r * c.sl;
            float * kept = c.keep_logits && st.score ? kept_row(c, sg.stage, i, hq) : nullptr;
            if (pair) {
                float * row1 = row0 + c.sl;
                tile_logits2(q0, q0 + d, kt, rt, d, p.scale, 0, a - t0, b - t0, ts.s0, ts.s1);
                if (kept) {
                    std::memcpy(kept + a, ts.s0 + (a - t0), sizeof(float) * (size_t)(b - a));
                    std::memcpy(kept + st.n_keys + a, ts.s1 + (a - t0), sizeof(float) * (size_t)(b - a));
                }
                const bool ok0 = softmax_step(row0, ts.s0, ts.p0, a, b, t0, d);
                const bool ok1 = softmax_step(row1, ts.s1, ts.p1, a, b, t0, d);
                if (ok0 && ok1) pv_accumulate2(row0 + 2, row1 + 2, ts.p0 + (a - t0), ts.p1 + (a - t0), vrows, (int)(b - a), d);
                else if (ok0) pv_accumulate(row0 + 2, ts.p0 + (a - t0), vrows, (int)(b - a), d);
                else if (ok1) pv_accumulate(row1 + 2, ts.p1 + (a - t0), vrows, (int)(b - a), d);
                r += 2;
            } else {
                tile_logits(q0, kt, rt, d, p.scale, 0, a - t0, b - t0, ts.s0);
                if (kept) std::memcpy(kept + a, ts.s0 + (a - t0), sizeof(float) * (size_t)(b - a));
                if (softmax_step(row0, ts.s0, ts.p0, a, b, t0, d))
                    pv_accumulate(row0 + 2, ts.p0 + (a - t0), vrows, (int)(b - a), d);
                r += 1;
            }
        }
    }
}

// dst = merge(dst, src) for one row (log-sum-exp); an empty src (m = -inf) changes nothing.
void merge_row(float * dst, const float * src, int d) {
    if (!(src[0] > k_neg_inf)) return;
    if (!(dst[0] > k_neg_inf)) {
        std::memcpy(dst, src, sizeof(float) * (2 + d));
        return;
    }
    const float m = std::max(dst[0], src[0]);
    const float ad = exp1(dst[0] - m), as = exp1(src[0] - m);
    dst[0] = m;
    dst[1] = dst[1] * ad + src[1] * as;
    scale_n(dst + 2, ad, d);
    axpy_n(dst + 2, as, src + 2, d);
}

// Whether any row of the unit sees any key of the segment.
bool unit_sees(const plan & c, const unit_geom & ug, const attn_workspace::segment & sg) {
    const attn_band & bd = c.p->stages[sg.stage].band;
    int64_t a0, b0, a1, b1;
    visible(bd, ug.i0, sg.j0, sg.j1, &a0, &b0);
    visible(bd, ug.i0 + ug.nq - 1, sg.j0, sg.j1, &a1, &b1);
    // Each row sees a contiguous key range moving right with the query, so the union over
    // the unit's rows runs from the first row's start to the last row's end.
    (void)b0;
    (void)a1;
    return a0 < b1;
}

void finalize_unit(const plan & c, const unit_geom & ug, const float * state) {
    const attn_problem & p = *c.p;
    const int d = p.head_dim;
    for (int r = 0; r < ug.rows; ++r) {
        const int64_t i = ug.i0 + r / c.g;
        const int hq = ug.hk * c.g + r % c.g;
        const float * row = state + (int64_t)r * c.sl;
        float * o = p.out + (i * p.n_head + hq) * d;
        if (row[1] > 0.0f) {
            for (int e = 0; e < d; ++e) o[e] = row[2 + e] / row[1];
        } else {
            std::memset(o, 0, sizeof(float) * d);
        }
        c.ws->row_m[i * p.n_head + hq] = row[0];
        c.ws->row_l[i * p.n_head + hq] = row[1];
    }
}

// Runs f(ith, item) for item in [0, n) on the pool (dynamic assignment; items are independent).
template <class F>
void run_items(thread_pool & pool, int64_t n, F & f) {
    if (n <= 0) return;
    if (pool.n_threads() == 1 || n == 1) {
        for (int64_t i = 0; i < n; ++i) f(0, i);
        return;
    }
    struct job { std::atomic<int64_t> next{0}; int64_t n; F * f; } j;
    j.n = n;
    j.f = &f;
    job * jp = &j;
    pool.run([jp](int ith, int) {
        for (int64_t i = jp->next.fetch_add(1); i < jp->n; i = jp->next.fetch_add(1)) (*jp->f)(ith, i);
    });
}

void validate(const attn_problem & p) {
    if (p.n_q < 0 || p.n_head <= 0 || p.n_head_kv <= 0 || p.head_dim <= 0 || p.n_head % p.n_head_kv != 0)
        throw_error(status::invalid_argument, "attention: bad shape (n_q %d, n_head %d, n_head_kv %d, head_dim %d)",
                    p.n_q, p.n_head, p.n_head_kv, p.head_dim);
    if (p.n_q > 0 && p.out == nullptr) throw_error(status::invalid_argument, "attention: out is null");
    if (p.n_stages < 0 || (p.n_stages > 0 && p.stages == nullptr))
        throw_error(status::invalid_argument, "attention: bad stage list");
    for (int s = 0; s < p.n_stages; ++s) {
        const attn_stage & st = p.stages[s];
        if (st.n_keys < 0) throw_error(status::invalid_argument, "attention: stage %d has n_keys < 0", s);
        if (st.n_keys > 0 && (!st.q || !st.k || !st.v))
            throw_error(status::invalid_argument, "attention: stage %d has a null q/k/v pointer", s);
        if (st.kv != kv_type::f32 && st.score)
            throw_error(status::invalid_argument, "attention: stage %d: the score side output needs f32 keys", s);
        if (st.kv == kv_type::q8 && st.n_keys > 0 && (!st.k_scale || !st.v_scale))
            throw_error(status::invalid_argument, "attention: stage %d: q8 keys need k_scale and v_scale", s);
    }
}

void build_segments(const attn_problem & p, attn_workspace & ws) {
    ws.segments.clear();
    for (int s = 0; s < p.n_stages; ++s)
        for (int64_t j0 = 0; j0 < p.stages[s].n_keys; j0 += k_attn_segment)
            ws.segments.push_back({s, j0, std::min(j0 + k_attn_segment, p.stages[s].n_keys)});
}

plan make_plan(const attn_problem & p, attn_workspace & ws, int nth) {
    plan c;
    c.p = &p;
    c.ws = &ws;
    c.g = p.n_head / p.n_head_kv;
    c.q_stride = p.q_row_stride > 0 ? p.q_row_stride : (int64_t)p.n_head * p.head_dim;
    c.n_qt = (p.n_q + k_attn_q_tile - 1) / k_attn_q_tile;
    c.n_units = c.n_qt * p.n_head_kv;
    c.n_segs = (int)ws.segments.size();
    c.sl = 2 + p.head_dim;
    c.rows_max = std::min(p.n_q, k_attn_q_tile) * c.g;
    const int64_t split_floats = (int64_t)c.n_units * c.n_segs * c.rows_max * c.sl;
    c.split = nth > 1 && c.n_segs > 1 && c.n_units < 2 * nth && split_floats <= k_max_split_float;
    if (c.split) ws.partial.resize(split_floats);
    ws.logit_off.assign((size_t)p.n_stages, -1);
    int64_t kept = 0;
    for (int s = 0; s < p.n_stages; ++s)
        if (p.stages[s].score) {
            ws.logit_off[(size_t)s] = kept;
            kept += (int64_t)p.n_q * p.n_head * p.stages[s].n_keys;
        }
    c.keep_logits = p.keep_logits && kept > 0 && kept <= k_max_kept_logits;
    if (c.keep_logits && (int64_t)ws.logits.size() < kept) ws.logits.resize((size_t)kept);
    ws.row_m.resize((size_t)p.n_q * p.n_head);
    ws.row_l.resize((size_t)p.n_q * p.n_head);
    // per thread: running state + partial state + tile scratch (logits, probabilities, score sums, decoded tile)
    const size_t per_thread = (size_t)2 * c.rows_max * c.sl + (size_t)tile_scratch_floats(c.g, p.head_dim);
    if ((int)ws.thread_scratch.size() < nth) ws.thread_scratch.resize(nth);
    for (int t = 0; t < nth; ++t)
        if (ws.thread_scratch[t].size() < per_thread) ws.thread_scratch[t].resize(per_thread);
    return c;
}

} // namespace

void attention_forward(const attn_problem & p, attn_workspace & ws, thread_pool & pool) {
    validate(p);
    if (p.n_q == 0) return;
    build_segments(p, ws);
    const plan c = make_plan(p, ws, pool.n_threads());
    const int64_t rsl = (int64_t)c.rows_max * c.sl;
    if (c.split) {
        auto seg_item = [&](int ith, int64_t item) {
            const unit_geom ug = unit_of(c, (int)(item / c.n_segs));
            const auto & sg = ws.segments[item % c.n_segs];
            float * dst = ws.partial.data() + item * rsl;
            if (!unit_sees(c, ug, sg)) {
                for (int r = 0; r < ug.rows; ++r) dst[(int64_t)r * c.sl] = k_neg_inf;
                return;
            }
            segment_partial(c, ug, sg, dst, tile_bufs(c, thread_buf(c, ith) + 2 * rsl));
        };
        run_items(pool, (int64_t)c.n_units * c.n_segs, seg_item);
    }
    auto unit_item = [&](int ith, int64_t u) {
        const unit_geom ug = unit_of(c, (int)u);
        float * tb = thread_buf(c, ith);
        float * run = tb;
        float * part = tb + rsl;
        float * s = tb + 2 * rsl;
        for (int r = 0; r < ug.rows; ++r) run[(int64_t)r * c.sl] = k_neg_inf;
        for (int sgi = 0; sgi < c.n_segs; ++sgi) {
            const float * src;
            if (c.split) {
                src = ws.partial.data() + (u * c.n_segs + sgi) * rsl;
            } else {
                if (!unit_sees(c, ug, ws.segments[sgi])) continue;
                segment_partial(c, ug, ws.segments[sgi], part, tile_bufs(c, s));
                src = part;
            }
            for (int r = 0; r < ug.rows; ++r) merge_row(run + (int64_t)r * c.sl, src + (int64_t)r * c.sl, p.head_dim);
        }
        finalize_unit(c, ug, run);
    };
    run_items(pool, c.n_units, unit_item);
    // Side output: normalised probabilities of the stages that asked for them.
    auto score_item = [&](int ith, int64_t item) {
        const int hk = (int)(item % p.n_head_kv);
        const auto & sg = ws.segments[item / p.n_head_kv];
        if (p.stages[sg.stage].score == nullptr) return;
        float * tb = thread_buf(c, ith) + 2 * rsl;
        score_segment(c, hk, sg, tile_bufs(c, tb), tb + 4 * k_attn_tile);
    };
    bool any_score = false;
    for (int s = 0; s < p.n_stages; ++s) any_score = any_score || (p.stages[s].score && p.stages[s].n_keys > 0);
    if (any_score) run_items(pool, (int64_t)c.n_segs * p.n_head_kv, score_item);
}

} // namespace ifl
