// ifl-infllm-chunk.cpp — stage list of one InfLLM execution chunk and its retrieval.
#include "infllm/ifl-infllm-chunk.h"

#include <algorithm>
#include <cmath>

#include "ifl-error.h"

namespace ifl {

void infllm_chunk_retrieve(const infllm_layer & L, const attn_layout & lay, const infllm_settings & s,
                           const infllm_chunk & c, thread_pool & pool, infllm_chunk_scratch & sc,
                           retrieval_record & rec) {
    const int64_t row_len = (int64_t)lay.n_head * lay.head_dim;
    if (L.n_blocks() > s.topk && s.topk > 0) {
        sc.rs.qmean.resize((size_t)row_len);
        retrieval_query_mean(c.q_glob, row_len, (int)(c.b - c.a), row_len, sc.rs.qmean.data());
    }
    retrieval_select(L.reprs(), sc.rs.qmean.data(), s.topk, pool, sc.rs, rec);
}

static attn_stage global_stage(const infllm_chunk & c, const void * k, const void * v, int64_t n,
                               int64_t row_stride, int64_t head_stride) {
    attn_stage st;
    st.q = c.q_glob;
    st.k = k;
    st.v = v;
    st.n_keys = n;
    st.kv_row_stride = row_stride;
    st.kv_head_stride = head_stride;
    return st;  // band: every key visible
}

void infllm_chunk_attend(infllm_layer & L, const attn_layout & lay, const infllm_settings & s,
                         const infllm_chunk & c, const std::vector<int32_t> & selected, thread_pool & pool,
                         infllm_chunk_scratch & sc) {
    const int d = lay.head_dim;
    const int64_t n_local = s.n_local;
    sc.stages.clear();
    // Local branch: keys [lo, b) at true distances; key lo-1 and older are >= n_local away.
    const int64_t lo = std::max<int64_t>(0, c.a - n_local + 1);
    IFL_ASSERT(lo >= L.rem_start());
    attn_stage loc;
    loc.q = c.q_abs;
    loc.k = L.rem_k_rot(lo);
    loc.v = L.rem_v(lo);
    loc.n_keys = c.b - lo;
    loc.kv_row_stride = d;
    loc.kv_head_stride = L.rem_head_stride();
    loc.band.q_pos0 = c.a;
    loc.band.k_pos0 = lo;
    loc.band.d_min = 0;
    loc.band.d_max = n_local - 1;
    loc.score = L.rem_score(lo);
    loc.score_head_stride = 1;
    loc.score_key_stride = lay.n_head;
    sc.stages.push_back(loc);
    // Global branch: selected blocks, init tokens, remainder tail (all at distance n_local-1).
    const int64_t B = s.block_size;
    for (int32_t b : selected) {
        const kv_block & blk = L.blocks().at(b);
        blk.check();  // blocks of an opened saved memory are verified on first use
        attn_stage st = global_stage(c, blk.k(), blk.v(), B, d, B * d);
        st.kv = blk.type();
        if (st.kv == kv_type::q8) {  // scales [n_head_kv, B]
            st.k_scale = blk.k_scale();
            st.v_scale = blk.v_scale();
            st.scale_row_stride = 1;
            st.scale_head_stride = B;
        }
        sc.stages.push_back(st);
    }
    if (L.init_len() > 0)
        sc.stages.push_back(global_stage(c, L.init_k(), L.init_v(), L.init_len(), d, (int64_t)s.n_init * d));
    const int64_t tail_end = c.b - n_local;  // rem tokens outside the window of the chunk's last query
    if (tail_end > L.rem_start()) {
        attn_stage tail = global_stage(c, L.rem_k_raw(L.rem_start()), L.rem_v(L.rem_start()), tail_end - L.rem_start(),
                                       d, L.rem_head_stride());
        if (!s.compat) {  // intended mask: a tail key is global only for queries it has left the window of
            tail.band.q_pos0 = c.a;
            tail.band.k_pos0 = L.rem_start();
            tail.band.d_min = n_local;
        }
        sc.stages.push_back(tail);
    }
    attn_problem p;
    p.n_q = (int)(c.b - c.a);
    p.n_head = lay.n_head;
    p.n_head_kv = lay.n_head_kv;
    p.head_dim = d;
    p.scale = 1.0f / std::sqrt((float)d);
    p.stages = sc.stages.data();
    p.n_stages = (int)sc.stages.size();
    p.out = c.out;
    attention_forward(p, sc.ws, pool);
}

} // namespace ifl
