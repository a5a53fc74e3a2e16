// ifl-infllm-layer.h — the InfLLM state of one attention layer (spec §2.1–2.2):
//   init   — up to n_init initial tokens (raw K/V), positions [0, init_len);
//   blocks — immutable memory blocks, block b = positions [n_init + bB, n_init + (b+1)B);
//   reprs  — one representative row per block;
//   rem    — the remainder: every processed token not in init or a block, positions
//            [rem_start, rem_end), incl. the local window; raw K, K rotated at its absolute
//            position (for the local branch), V and per-head representative scores.
//            K/V are stored head-major so that one head's consecutive keys are contiguous
//            (the attention streams them; a token-major layout strides by n_head_kv*head_dim).
// Tokens move rem -> init -> blocks only in append_global(), called at chunk boundaries.
// New blocks are encoded in the settings' element type and stored by a block_writer (RAM or
// segment files in the storage folder); restore() rebuilds a layer from a saved memory.
#pragma once

#include <cstdint>
#include <vector>

#include "ifl-memory.h"
#include "ifl-rope-table.h"
#include "infllm/ifl-infllm-block-file.h"
#include "infllm/ifl-infllm-block-store.h"
#include "infllm/ifl-infllm-repr.h"
#include "infllm/ifl-infllm-settings.h"

namespace ifl {

// The saved state of one layer (ifl-infllm-open.cpp); pointers are read during restore() only,
// except reprs, which stay in use (kept alive by reprs_owner).
struct infllm_layer_state {
    int64_t       init_len = 0;
    const float * init_k = nullptr;  // [n_head_kv, init_len, head_dim]
    const float * init_v = nullptr;  // [n_head_kv, init_len, head_dim]
    std::vector<std::shared_ptr<const kv_block>> blocks;
    const void *  reprs = nullptr;   // [blocks.size(), n_head * head_dim] in repr_type_for(kv)
    std::shared_ptr<const void> reprs_owner;
    int64_t       rem_start = 0, rem_end = 0;
    const float * rem_k = nullptr;   // [n_head_kv, rem_end - rem_start, head_dim] raw keys
    const float * rem_v = nullptr;   // [n_head_kv, rem_end - rem_start, head_dim]
    const float * rem_score = nullptr;  // [rem_end - rem_start, n_head]
};

class infllm_layer {
public:
    // il: the layer's index (names its segment files).
    infllm_layer(const attn_layout & layout, const infllm_settings & s, const block_storage & storage, int il);

    // ---- bookkeeping (absolute positions) -------------------------------------------------
    int64_t init_len() const { return init_len_; }
    int64_t n_blocks() const { return blocks_.size(); }
    int64_t rem_start() const { return rem_start_; }
    int64_t rem_end() const { return rem_end_; }  // one past the last processed token

    // ---- call lifecycle -------------------------------------------------------------------
    // Makes room for positions up to pos_end (compacting/growing the remainder buffer; the
    // logical state is unchanged) and records the state for rollback().
    void begin(int64_t pos_end);
    void rollback();
    // New tokens [pos0, pos0 + n): k_raw/v [n, n_head_kv, head_dim]; rows of `rope` are the
    // angles of these positions. Their scores start at 0.
    void append_tokens(int64_t pos0, int64_t n, const float * k_raw, const float * v, const rope_table & rope);
    // After the chunk ending at chunk_end: move tokens rem -> init, then cut full blocks.
    void append_global(int64_t chunk_end);

    // ---- views ----------------------------------------------------------------------------
    // Key `pos` of kv head h starts at rem_k_*(pos) + h * rem_head_stride() (rows: head_dim apart).
    int64_t       rem_head_stride() const { return cap_ * head_dim_; }
    const float * rem_k_raw(int64_t pos) const { return k_raw_.data() + idx(pos) * head_dim_; }
    const float * rem_k_rot(int64_t pos) const { return k_rot_.data() + idx(pos) * head_dim_; }
    const float * rem_v(int64_t pos) const { return v_.data() + idx(pos) * head_dim_; }
    float *       rem_score(int64_t pos) { return score_.data() + idx(pos) * n_head_; }
    const float * rem_score(int64_t pos) const { return score_.data() + idx(pos) * n_head_; }
    const float * init_k() const { return init_k_.data(); }  // [n_head_kv, n_init, head_dim]
    const float * init_v() const { return init_v_.data(); }  // [n_head_kv, n_init, head_dim]
    const block_store & blocks() const { return blocks_; }
    const repr_store & reprs() const { return reprs_; }

    infllm_layer fork() const;
    void clear();
    int64_t bytes_resident() const;
    int64_t bytes_mapped() const;

    // ---- saved memories ---------------------------------------------------------------------
    // Seals the current block segment (disk tier) so that the saved memory can link it.
    void seal_blocks() { writer_.seal(); }
    // Replaces the state (outside any call). `rope`: angles of positions [st.rem_start, st.rem_end)
    // (shared by all layers; the remainder's keys are rotated again with them).
    void restore(const infllm_layer_state & st, const rope_table & rope);

private:
    int64_t idx(int64_t pos) const { return pos - buf_pos0_; }
    void    make_room(int64_t pos_end);
    void    move_to_init(int64_t n);
    void    cut_block();

    // shape and settings
    int n_head_, n_head_kv_, head_dim_;
    rope_params rope_;
    infllm_settings s_;

    // init: [n_head_kv, n_init, head_dim] raw
    std::vector<float> init_k_, init_v_;
    int64_t init_len_ = 0;

    block_store  blocks_;
    block_writer writer_;
    repr_store   reprs_;

    // remainder buffer: slot i holds position buf_pos0_ + i; capacity cap_ rows
    int64_t buf_pos0_ = 0, cap_ = 0;
    int64_t rem_start_ = 0, rem_end_ = 0;
    std::vector<float> k_raw_;  // [n_head_kv, cap, head_dim] raw keys
    std::vector<float> k_rot_;  // [n_head_kv, cap, head_dim] keys rotated at absolute positions
    std::vector<float> v_;      // [n_head_kv, cap, head_dim]
    std::vector<float> score_;  // [cap, n_head] representative scores

    // rollback snapshot
    int64_t snap_init_len_ = 0, snap_blocks_ = 0, snap_rem_start_ = 0, snap_rem_end_ = 0;
    std::vector<float> snap_score_;  // [snap_rem_end - snap_rem_start, n_head]

    std::vector<int32_t> order_;  // repr_compute scratch
};

} // namespace ifl
