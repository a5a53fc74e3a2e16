// ifl-infllm-layer.cpp — per-layer InfLLM state: remainder buffer, token movement into init and
// blocks, rollback snapshot, fork.
#include "infllm/ifl-infllm-layer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "ifl-error.h"

namespace ifl {

namespace {

std::string layer_tag(int il) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "L%03d", il);
    return buf;
}

} // namespace

infllm_layer::infllm_layer(const attn_layout & layout, const infllm_settings & s, const block_storage & storage, int il)
    : n_head_(layout.n_head), n_head_kv_(layout.n_head_kv), head_dim_(layout.head_dim), rope_(layout.rope), s_(s),
      writer_(storage, kv_block_shape{layout.n_head, layout.n_head_kv, layout.head_dim, s.block_size}, s.kv,
              s.kv == kv_type::f32, layer_tag(il)),
      reprs_((int64_t)layout.n_head * layout.head_dim, repr_type_for(s.kv)) {
    init_k_.resize((size_t)n_head_kv_ * s.n_init * head_dim_);
    init_v_.resize(init_k_.size());
}

void infllm_layer::make_room(int64_t pos_end) {
    if (pos_end - buf_pos0_ <= cap_) return;
    // Compact: slide the live rows [rem_start, rem_end) to slot 0 (rare: the buffer keeps
    // `slack` free rows, so the cost is amortised over at least that many tokens), growing the
    // capacity when the call still does not fit. New buffers are allocated before anything is
    // moved, so an allocation failure leaves the state untouched.
    const int64_t live = rem_end_ - rem_start_, from = idx(rem_start_), d = head_dim_;
    const int64_t slack = std::max<int64_t>(256, s_.n_local / 8);
    const int64_t need = pos_end - rem_start_;
    const bool grow = need > cap_;
    const int64_t new_cap = grow ? std::max(need, (int64_t)s_.n_local + s_.block_size + s_.chunk) + slack : cap_;
    std::vector<float> nk, nr, nv, ns;
    if (grow) {
        nk.resize((size_t)(n_head_kv_ * new_cap * d));
        nr.resize(nk.size());
        nv.resize(nk.size());
        ns.resize((size_t)(new_cap * n_head_));
    }
    auto move_heads = [&](std::vector<float> & buf, std::vector<float> & dst) {
        float * out = grow ? dst.data() : buf.data();
        for (int h = 0; h < n_head_kv_ && live > 0; ++h)
            std::memmove(out + h * new_cap * d, buf.data() + (h * cap_ + from) * d, sizeof(float) * (size_t)(live * d));
        if (grow) buf.swap(dst);
    };
    move_heads(k_raw_, nk);
    move_heads(k_rot_, nr);
    move_heads(v_, nv);
    float * sout = grow ? ns.data() : score_.data();
    if (live > 0) std::memmove(sout, score_.data() + from * n_head_, sizeof(float) * (size_t)(live * n_head_));
    if (grow) score_.swap(ns);
    cap_ = new_cap;
    buf_pos0_ = rem_start_;
}

void infllm_layer::begin(int64_t pos_end) {
    make_room(pos_end);
    snap_init_len_ = init_len_;
    snap_blocks_ = blocks_.size();
    snap_rem_start_ = rem_start_;
    snap_rem_end_ = rem_end_;
    const int64_t live = rem_end_ - rem_start_;
    snap_score_.resize((size_t)(live * n_head_));
    if (live > 0) std::memcpy(snap_score_.data(), rem_score(rem_start_), sizeof(float) * snap_score_.size());
}

void infllm_layer::rollback() {
    init_len_ = snap_init_len_;
    const int64_t dropped = blocks_.size() - snap_blocks_;
    blocks_.truncate(snap_blocks_);
    writer_.drop_last(dropped);
    reprs_.truncate(snap_blocks_);
    rem_start_ = snap_rem_start_;
    rem_end_ = snap_rem_end_;
    if (!snap_score_.empty()) std::memcpy(rem_score(rem_start_), snap_score_.data(), sizeof(float) * snap_score_.size());
}

void infllm_layer::append_tokens(int64_t pos0, int64_t n, const float * k_raw, const float * v, const rope_table & rope) {
    IFL_ASSERT(pos0 == rem_end_ && idx(pos0 + n) <= cap_);
    const int64_t d = head_dim_, hs = rem_head_stride();
    float * kr = k_raw_.data() + idx(pos0) * d;
    float * kt = k_rot_.data() + idx(pos0) * d;
    float * vr = v_.data() + idx(pos0) * d;
    for (int64_t t = 0; t < n; ++t)
        for (int h = 0; h < n_head_kv_; ++h) {
            const int64_t src = (t * n_head_kv_ + h) * d, dst = h * hs + t * d;
            std::memcpy(kr + dst, k_raw + src, sizeof(float) * (size_t)d);
            std::memcpy(kt + dst, k_raw + src, sizeof(float) * (size_t)d);
            std::memcpy(vr + dst, v + src, sizeof(float) * (size_t)d);
            rope.rotate(rope_, t, kt + dst, 1, head_dim_);
        }
    std::fill(score_.data() + idx(pos0) * n_head_, score_.data() + idx(pos0 + n) * n_head_, 0.0f);
}

void infllm_layer::move_to_init(int64_t n) {
    const int64_t d = head_dim_;
    for (int h = 0; h < n_head_kv_; ++h) {
        const int64_t dst = ((int64_t)h * s_.n_init + init_len_) * d;
        std::memcpy(init_k_.data() + dst, rem_k_raw(rem_start_) + h * rem_head_stride(), sizeof(float) * (size_t)(n * d));
        std::memcpy(init_v_.data() + dst, rem_v(rem_start_) + h * rem_head_stride(), sizeof(float) * (size_t)(n * d));
    }
    init_len_ += n;
    rem_start_ += n;
}

void infllm_layer::cut_block() {
    const int64_t hs = rem_head_stride();
    blocks_.append(writer_.make(rem_k_raw(rem_start_), rem_v(rem_start_), hs, rem_score(rem_start_)));
    const repr_shape rs{n_head_, n_head_kv_, head_dim_, s_.block_size, s_.repr_topk};
    repr_compute(rs, rem_k_raw(rem_start_), head_dim_, hs, rem_score(rem_start_), reprs_.next_row(), order_);
    reprs_.commit_row();
    rem_start_ += s_.block_size;
}

void infllm_layer::append_global(int64_t chunk_end) {
    rem_end_ = chunk_end;
    const int64_t n_local = s_.n_local, B = s_.block_size;
    if (init_len_ < s_.n_init && rem_end_ - rem_start_ > n_local)
        move_to_init(std::min<int64_t>(s_.n_init - init_len_, rem_end_ - rem_start_ - n_local));
    while (rem_end_ - rem_start_ - B >= n_local) cut_block();
}

infllm_layer infllm_layer::fork() const {
    infllm_layer f = *this;  // copies init, remainder, scores and the block pointer list
    f.reprs_ = reprs_.fork();
    f.writer_ = writer_.fork();  // the fork writes its own segment files
    f.snap_score_ = std::vector<float>();  // a fork starts outside any call
    return f;
}

void infllm_layer::clear() {
    init_len_ = 0;
    blocks_.clear();
    writer_ = writer_.fork();  // the current segment goes with its last block
    reprs_.clear();
    buf_pos0_ = rem_start_ = rem_end_ = 0;
}

int64_t infllm_layer::bytes_resident() const {
    const int64_t rem = (int64_t)(k_raw_.size() + k_rot_.size() + v_.size() + score_.size()) * 4;
    return rem + (int64_t)(init_k_.size() + init_v_.size()) * 4 + blocks_.bytes_resident() + reprs_.bytes_resident();
}

int64_t infllm_layer::bytes_mapped() const { return blocks_.bytes_mapped() + reprs_.bytes_mapped(); }

void infllm_layer::restore(const infllm_layer_state & st, const rope_table & rope) {
    const int64_t nb = (int64_t)st.blocks.size(), live = st.rem_end - st.rem_start, d = head_dim_;
    IFL_ASSERT(st.init_len >= 0 && st.init_len <= s_.n_init && live >= 0);
    IFL_ASSERT(st.rem_start == st.init_len + nb * s_.block_size);
    // Remainder buffer with the usual slack; keys rotated again at their absolute positions
    // (the same angles and rotation as append_tokens, hence the same bits).
    const int64_t slack = std::max<int64_t>(256, s_.n_local / 8);
    const int64_t cap = std::max(live, (int64_t)s_.n_local + s_.block_size + s_.chunk) + slack;
    std::vector<float> kr((size_t)(n_head_kv_ * cap * d)), kt(kr.size()), vv(kr.size()), sc((size_t)(cap * n_head_));
    IFL_ASSERT(rope.size() == live);
    for (int h = 0; h < n_head_kv_; ++h)
        for (int64_t t = 0; t < live; ++t) {
            const int64_t src = ((int64_t)h * live + t) * d, dst = ((int64_t)h * cap + t) * d;
            std::memcpy(kr.data() + dst, st.rem_k + src, sizeof(float) * (size_t)d);
            std::memcpy(kt.data() + dst, st.rem_k + src, sizeof(float) * (size_t)d);
            std::memcpy(vv.data() + dst, st.rem_v + src, sizeof(float) * (size_t)d);
            rope.rotate(rope_, t, kt.data() + dst, 1, head_dim_);
        }
    if (live > 0) std::memcpy(sc.data(), st.rem_score, sizeof(float) * (size_t)(live * n_head_));
    for (int h = 0; h < n_head_kv_; ++h) {
        const int64_t dst = (int64_t)h * s_.n_init * d, src = (int64_t)h * st.init_len * d;
        std::memcpy(init_k_.data() + dst, st.init_k + src, sizeof(float) * (size_t)(st.init_len * d));
        std::memcpy(init_v_.data() + dst, st.init_v + src, sizeof(float) * (size_t)(st.init_len * d));
    }
    k_raw_.swap(kr);
    k_rot_.swap(kt);
    v_.swap(vv);
    score_.swap(sc);
    cap_ = cap;
    buf_pos0_ = rem_start_ = st.rem_start;
    rem_end_ = st.rem_end;
    init_len_ = st.init_len;
    blocks_.clear();
    for (const auto & b : st.blocks) blocks_.append(b);
    reprs_.adopt(st.reprs, nb, st.reprs_owner);
    writer_ = writer_.fork();
}

} // namespace ifl
