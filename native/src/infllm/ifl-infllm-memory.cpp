// ifl-infllm-memory.cpp — call lifecycle and chunk schedule of the InfLLM memory.
#include "infllm/ifl-infllm-memory.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "ifl-error.h"
#include "ifl-file-io.h"

namespace ifl {

infllm_memory::infllm_memory(const attn_layout & layout, const infllm_settings & settings, const block_storage & storage)
    : layout_(layout), s_(settings), storage_(storage) {
    validate_layout(layout);
    infllm_validate(settings);
    if (storage.disk && !path_is_dir(storage.dir))
        throw_error(status::invalid_argument, "infllm storage folder %s does not exist", storage.dir.c_str());
    layers_.reserve((size_t)layout.n_layer);
    for (int il = 0; il < layout.n_layer; ++il) layers_.emplace_back(layout, settings, storage, il);
    const int half = layout.rope.n_dims / 2;
    glob_cos_.resize((size_t)half);
    glob_sin_.resize((size_t)half);
    if (half > 0) rope_angles(layout.rope, (double)(settings.n_local - 1), glob_cos_.data(), glob_sin_.data());
}

int64_t infllm_memory::capacity_left() const { return std::numeric_limits<int64_t>::max() - n_past_; }

void infllm_memory::begin_call(int64_t n_tokens) {
    call_.begin(n_past_, n_tokens, layout_.n_layer);
    rope_.compute(layout_.rope, n_past_, n_tokens);
}

void infllm_memory::attend(int il, float * q, float * k, const float * v, float * out, thread_pool & pool) {
    call_.check_attend(il);
    infllm_layer & L = layers_[(size_t)il];
    const int64_t n = call_.n_tokens(), pos0 = call_.pos0();
    const int H = layout_.n_head, d = layout_.head_dim;
    const int64_t qrow = (int64_t)H * d;
    L.begin(pos0 + n);        // snapshot for rollback; changes nothing logical
    call_.mark_attended(il);  // from here on, rollback_call() restores this layer
    // Global queries: every query rotated at n_local-1; local queries: at their own position.
    q_glob_.resize((size_t)(n * qrow));
    std::memcpy(q_glob_.data(), q, sizeof(float) * q_glob_.size());
    if (!glob_cos_.empty())
        for (int64_t t = 0; t < n; ++t)
            rope_rotate(layout_.rope, glob_cos_.data(), glob_sin_.data(), q_glob_.data() + t * qrow, H, d);
    for (int64_t t = 0; t < n; ++t) rope_.rotate(layout_.rope, t, q + t * qrow, H, d);
    L.append_tokens(pos0, n, k, v, rope_);
    for (int64_t a = pos0; a < pos0 + n; a += s_.chunk) {
        infllm_chunk c;
        c.a = a;
        c.b = std::min<int64_t>(a + s_.chunk, pos0 + n);
        c.q_abs = q + (a - pos0) * qrow;
        c.q_glob = q_glob_.data() + (a - pos0) * qrow;
        c.out = out + (a - pos0) * qrow;
        infllm_chunk_retrieve(L, layout_, s_, c, pool, scratch_, rec_);
        rec_.layer = il;
        rec_.q_start = c.a;
        rec_.q_len = (int32_t)(c.b - c.a);
        rec_.init_len = L.init_len();
        rec_.tail_len = std::max<int64_t>(0, c.b - s_.n_local - L.rem_start());  // as infllm_chunk_attend's tail
        if (sink_) sink_->on_retrieval(rec_);
        infllm_chunk_attend(L, layout_, s_, c, rec_.selected, pool, scratch_);
        L.append_global(c.b);
    }
}

void infllm_memory::end_call() {
    call_.check_complete();
    n_past_ += call_.n_tokens();
    call_.reset();
}

void infllm_memory::rollback_call() {
    if (!call_.active()) return;
    for (int il = 0; il < layout_.n_layer; ++il)
        if (call_.attended(il)) layers_[(size_t)il].rollback();
    call_.reset();
}

void infllm_memory::clear() {
    if (call_.active()) throw_error(status::invalid_argument, "clear: a call is in progress");
    for (auto & L : layers_) L.clear();
    n_past_ = 0;
}

std::unique_ptr<attn_memory> infllm_memory::fork() const {
    if (call_.active()) throw_error(status::invalid_argument, "fork: a call is in progress");
    auto f = std::unique_ptr<infllm_memory>(new infllm_memory(layout_, s_, storage_));
    f->n_past_ = n_past_;
    for (size_t il = 0; il < layers_.size(); ++il) f->layers_[il] = layers_[il].fork();
    return f;
}

memory_stats infllm_memory::stats() const {
    memory_stats st;
    st.n_tokens = n_past_;
    st.n_blocks = layers_.empty() ? 0 : layers_[0].n_blocks();
    st.init_len = layers_.empty() ? 0 : layers_[0].init_len();
    for (const auto & L : layers_) {
        st.bytes_resident += L.bytes_resident();
        st.bytes_mapped += L.bytes_mapped();
    }
    return st;
}

void infllm_memory::seal_blocks() {
    if (call_.active()) throw_error(status::invalid_argument, "save: a call is in progress");
    for (auto & L : layers_) L.seal_blocks();
}

void infllm_memory::append_kv_only(int64_t n, const float * k, const float * v) {
    if (call_.active()) throw_error(status::invalid_argument, "append_kv_only: a call is in progress");
    if (n < 1) return;
    rope_.compute(layout_.rope, n_past_, n);
    for (auto & L : layers_) {
        L.begin(n_past_ + n);
        L.append_tokens(n_past_, n, k, v, rope_);
        for (int64_t a = n_past_; a < n_past_ + n; a += s_.chunk) L.append_global(std::min<int64_t>(a + s_.chunk, n_past_ + n));
    }
    n_past_ += n;
}

void infllm_memory::restore(int64_t n_past, const std::vector<infllm_layer_state> & layers) {
    if (call_.active()) throw_error(status::invalid_argument, "restore: a call is in progress");
    IFL_ASSERT((int)layers.size() == layout_.n_layer);
    // Every layer's remainder spans the same positions: one angle table for all of them.
    rope_table rope;
    for (size_t il = 0; il < layers.size(); ++il) {
        const infllm_layer_state & st = layers[il];
        if (il == 0 || st.rem_start != layers[il - 1].rem_start || st.rem_end != layers[il - 1].rem_end)
            rope.compute(layout_.rope, st.rem_start, st.rem_end - st.rem_start);
        layers_[il].restore(st, rope);
    }
    n_past_ = n_past;
}

} // namespace ifl
