// ifl-infllm-layer.cpp — per-layer InfLLM state: remainder buffer, token movement into init and
// blocks, rollback snapshot, fork.
#include "infllm/ifl-infllm-layer.h"

#include <algorithm>
#include <cstring>

#include "ifl-error.h"

namespace ifl {

infllm_layer::infllm_layer(const attn_layout & layout, const infllm_settings & s)
    : n_head_(layout.n_head), n_head_kv_(layout.n_head_kv), head_dim_(layout.head_dim), rope_(layout.rope), s_(s),
      reprs_((int64_t)layout.n_head * layout.head_dim) {
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
    blocks_.truncate(snap_blocks_);
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
    const kv_block_shape sh{n_head_, n_head_kv_, head_dim_, s_.block_size};
    const int64_t hs = rem_head_stride();
    blocks_.append(kv_block::make_f32(sh, rem_k_raw(rem_start_), rem_v(rem_start_), hs, rem_score(rem_start_)));
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
    f.snap_score_ = std::vector<float>();  // a fork starts outside any call
    return f;
}

void infllm_layer::clear() {
    init_len_ = 0;
    blocks_.clear();
    reprs_.clear();
    buf_pos0_ = rem_start_ = rem_end_ = 0;
}

int64_t infllm_layer::bytes() const {
    const int64_t rem = (int64_t)(k_raw_.size() + k_rot_.size() + v_.size() + score_.size()) * 4;
    return rem + (int64_t)(init_k_.size() + init_v_.size()) * 4 + blocks_.bytes() + reprs_.bytes();
}

} // namespace ifl
