// ifl-infllm-memory.h — InfLLM block memory as an attn_memory (spec §2.3 schedule): each call
// is walked in execution chunks of `chunk` queries aligned to the call start; every chunk of
// every layer makes one retrieval (reported to the retrieval sink), attends, and then moves
// tokens from the remainder into init/blocks. Layers are independent.
#pragma once

#include <memory>
#include <vector>

#include "ifl-memory.h"
#include "ifl-rope-table.h"
#include "infllm/ifl-infllm-chunk.h"
#include "infllm/ifl-infllm-layer.h"
#include "infllm/ifl-infllm-settings.h"

namespace ifl {

class infllm_memory final : public attn_memory {
public:
    // Validates layout and settings (invalid_argument naming the field). `storage`: where
    // blocks go (RAM, or segment files in a folder that must exist).
    infllm_memory(const attn_layout & layout, const infllm_settings & settings, const block_storage & storage = {});

    void begin_call(int64_t n_tokens) override;
    void attend(int il, float * q, float * k, const float * v, float * out, thread_pool & pool) override;
    void end_call() override;
    void rollback_call() override;

    int64_t n_past() const override { return n_past_; }
    int64_t capacity_left() const override;
    void clear() override;
    std::unique_ptr<attn_memory> fork() const override;
    void set_retrieval_sink(retrieval_sink * sink) override { sink_ = sink; }
    memory_stats stats() const override;

    // ---- introspection (tests, UI) --------------------------------------------------------
    const infllm_settings & settings() const { return s_; }
    const attn_layout & layout() const { return layout_; }
    const infllm_layer & layer(int il) const { return layers_[(size_t)il]; }
    const block_storage & storage() const { return storage_; }

    // ---- saved memories (ifl-infllm-save.cpp, ifl-infllm-open.cpp) -----------------------------
    // Seals every layer's current block segment (no call may be in progress).
    void seal_blocks();
    // Replaces the committed state: n_past tokens, one state per layer.
    void restore(int64_t n_past, const std::vector<infllm_layer_state> & layers);
    // Benchmarks and tests: appends n tokens with keys/values k, v [n, n_head_kv, head_dim] to every
    // layer with the bookkeeping of one call (chunks, init, blocks) but without attention (the
    // representative scores stay 0). Builds large memories quickly.
    void append_kv_only(int64_t n, const float * k, const float * v);

private:
    attn_layout               layout_;
    infllm_settings           s_;
    block_storage             storage_;
    int64_t                   n_past_ = 0;
    std::vector<infllm_layer> layers_;
    call_tracker              call_;
    rope_table                rope_;          // angles of the call's positions
    std::vector<float>        glob_cos_, glob_sin_;  // angles of position n_local-1
    std::vector<float>        q_glob_;        // [n_tokens, n_head, head_dim]
    retrieval_sink *          sink_ = nullptr;
    retrieval_record          rec_;
    infllm_chunk_scratch      scratch_;
};

} // namespace ifl
