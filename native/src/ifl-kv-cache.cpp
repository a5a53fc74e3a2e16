// ifl-kv-cache.cpp — full causal KV cache: paged storage, call lifecycle, fork, attention.
#include "ifl-kv-cache.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "ifl-error.h"

namespace ifl {

kv_cache::kv_cache(const attn_layout & layout, int64_t capacity) : layout_(layout), capacity_(capacity) {
    validate_layout(layout);
    if (capacity < 0) throw_error(status::invalid_argument, "capacity must be >= 0 (got %lld)", (long long)capacity);
    layers_.resize((size_t)layout.n_layer);
}

int64_t kv_cache::capacity_left() const {
    return capacity_ > 0 ? capacity_ - n_past_ : std::numeric_limits<int64_t>::max();
}

void kv_cache::begin_call(int64_t n_tokens) {
    if (capacity_ > 0 && n_tokens > capacity_left())
        throw_error(status::invalid_argument, "context full: %lld tokens requested, %lld left of capacity %lld",
                    (long long)n_tokens, (long long)capacity_left(), (long long)capacity_);
    call_.begin(n_past_, n_tokens, layout_.n_layer);
    rope_.compute(layout_.rope, n_past_, n_tokens);
}

void kv_cache::write_tokens(layer_pages & lp, int64_t pos0, int64_t n, const float * k, const float * v) {
    const int64_t rf = row_floats(), d = layout_.head_dim;
    for (int64_t t = 0; t < n; ++t) {
        const int64_t pos = pos0 + t;
        const size_t pi = (size_t)(pos / k_kv_page);
        if (pi >= lp.pages.size()) {
            auto pg = std::make_shared<page>();
            pg->k.resize((size_t)(k_kv_page * rf));
            pg->v.resize((size_t)(k_kv_page * rf));
            lp.pages.push_back(std::move(pg));
        }
        page & pg = *lp.pages[pi];
        const int64_t off = pos % k_kv_page;
        for (int h = 0; h < layout_.n_head_kv; ++h) {
            const int64_t dst = (h * k_kv_page + off) * d, src = t * rf + h * d;
            std::memcpy(pg.k.data() + dst, k + src, sizeof(float) * (size_t)d);
            std::memcpy(pg.v.data() + dst, v + src, sizeof(float) * (size_t)d);
        }
    }
}

void kv_cache::attend(int il, float * q, float * k, const float * v, float * out, thread_pool & pool) {
    call_.mark_attended(il);
    const int64_t n = call_.n_tokens();
    const int H = layout_.n_head, Hkv = layout_.n_head_kv, d = layout_.head_dim;
    for (int64_t t = 0; t < n; ++t) {
        rope_.rotate(layout_.rope, t, q + t * H * d, H, d);
        rope_.rotate(layout_.rope, t, k + t * Hkv * d, Hkv, d);
    }
    layer_pages & lp = layers_[(size_t)il];
    write_tokens(lp, n_past_, n, k, v);
    const int64_t n_keys = n_past_ + n;
    stages_.clear();
    for (int64_t p0 = 0; p0 < n_keys; p0 += k_kv_page) {
        const page & pg = *lp.pages[(size_t)(p0 / k_kv_page)];
        attn_stage st;
        st.q = q;
        st.k = pg.k.data();
        st.v = pg.v.data();
        st.n_keys = std::min(k_kv_page, n_keys - p0);
        st.kv_row_stride = d;
        st.kv_head_stride = k_kv_page * d;
        st.band.q_pos0 = n_past_;
        st.band.k_pos0 = p0;
        st.band.d_min = 0;  // causal: a query sees keys at or before its position
        stages_.push_back(st);
    }
    attn_problem pr;
    pr.n_q = (int)n;
    pr.n_head = H;
    pr.n_head_kv = Hkv;
    pr.head_dim = d;
    pr.scale = 1.0f / std::sqrt((float)d);
    pr.stages = stages_.data();
    pr.n_stages = (int)stages_.size();
    pr.out = out;
    attention_forward(pr, ws_, pool);
}

void kv_cache::end_call() {
    call_.check_complete();
    n_past_ += call_.n_tokens();
    call_.reset();
}

void kv_cache::truncate_pages(int64_t n_tokens) {
    const size_t keep = (size_t)((n_tokens + k_kv_page - 1) / k_kv_page);
    for (auto & lp : layers_)
        if (lp.pages.size() > keep) lp.pages.resize(keep);
}

void kv_cache::rollback_call() {
    if (!call_.active()) return;
    truncate_pages(n_past_);  // positions >= n_past_ are simply no longer part of the state
    call_.reset();
}

void kv_cache::clear() {
    if (call_.active()) throw_error(status::invalid_argument, "clear: a call is in progress");
    for (auto & lp : layers_) lp.pages.clear();
    n_past_ = 0;
}

std::unique_ptr<attn_memory> kv_cache::fork() const {
    if (call_.active()) throw_error(status::invalid_argument, "fork: a call is in progress");
    auto f = std::make_unique<kv_cache>(layout_, capacity_);
    f->n_past_ = n_past_;
    const size_t full = (size_t)(n_past_ / k_kv_page);
    for (size_t il = 0; il < layers_.size(); ++il) {
        const auto & src = layers_[il].pages;
        auto & dst = f->layers_[il].pages;
        const size_t used = (size_t)((n_past_ + k_kv_page - 1) / k_kv_page);
        dst.assign(src.begin(), src.begin() + (ptrdiff_t)std::min(full, used));
        if (used > full) dst.push_back(std::make_shared<page>(*src[full]));  // the writable page
    }
    return f;
}

void kv_cache::append_kv_only(int64_t n, const float * k, const float * v) {
    if (call_.active()) throw_error(status::invalid_argument, "append_kv_only: a call is in progress");
    if (n < 1) return;
    if (capacity_ > 0 && n > capacity_left())
        throw_error(status::invalid_argument, "context full: %lld tokens requested, %lld left of capacity %lld",
                    (long long)n, (long long)capacity_left(), (long long)capacity_);
    const int64_t rf = row_floats();
    rope_.compute(layout_.rope, n_past_, n);
    std::vector<float> k_rot(k, k + n * rf);  // [n, n_head_kv, head_dim] rotated at positions [n_past, n_past + n)
    for (int64_t t = 0; t < n; ++t) rope_.rotate(layout_.rope, t, k_rot.data() + t * rf, layout_.n_head_kv, layout_.head_dim);
    for (auto & lp : layers_) write_tokens(lp, n_past_, n, k_rot.data(), v);
    n_past_ += n;
}

memory_stats kv_cache::stats() const {
    memory_stats s;
    s.n_tokens = n_past_;
    for (const auto & lp : layers_) s.bytes_resident += (int64_t)lp.pages.size() * 2 * k_kv_page * row_floats() * 4;
    return s;
}

} // namespace ifl
