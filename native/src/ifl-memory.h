// ifl-memory.h — the attention-memory interface (cf. llama.cpp src/llama-memory.h).
// The forward pass computes q/k/v projections and hands them to an attn_memory, which owns
// the keys/values it keeps, how positions are encoded (RoPE), and the attention itself.
// Two implementations: the full KV cache (ifl-kv-cache) and InfLLM block memory
// (src/infllm/). Neither knows about the other; the context picks one per session.
//
// A model call brings n new tokens for every layer:
//   begin_call(n) → attend(layer 0) … attend(layer L-1) → end_call()
// Only end_call() makes the call permanent; rollback_call() (after cancellation between
// layers) returns the memory to its state at begin_call(). fork() and clear() are for the
// committed state: they throw invalid_argument while a call is in progress.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ifl-rope.h"

namespace ifl {

class thread_pool;

// Shape of the attention layers a memory serves.
struct attn_layout {
    int         n_layer   = 0;
    int         n_head    = 0;  // query heads
    int         n_head_kv = 0;  // key/value heads; query head h reads kv head h / (n_head / n_head_kv)
    int         head_dim  = 0;
    rope_params rope;           // how the model encodes positions
};

// One retrieval decision: the memory blocks selected for one execution chunk of one layer.
struct retrieval_record {
    int64_t              q_start  = 0;     // absolute position of the chunk's first query
    int32_t              q_len    = 0;     // queries in the chunk (1 while decoding)
    int32_t              layer    = 0;
    int32_t              n_blocks = 0;     // memory blocks that existed at selection time
    bool                 scored   = false; // false: no scoring (n_blocks <= topk: all blocks taken; topk 0: none)
    std::vector<int32_t> selected;         // block ids, ascending (InfLLM: infllm_block_range gives their tokens)
    std::vector<float>   scores;           // relevance of each selected block (same order); empty if !scored
    int64_t              init_len = 0;     // initial tokens attended globally: positions [0, init_len)
    int64_t              tail_len = 0;     // remainder tail attended globally: the tail_len positions ending at q_start + q_len - n_local
};

// Receives retrieval records as they are made (called on the compute thread).
class retrieval_sink {
public:
    virtual ~retrieval_sink() = default;
    virtual void on_retrieval(const retrieval_record & r) = 0;
};

// Sizes for progress displays and benchmarks.
struct memory_stats {
    int64_t n_tokens       = 0;  // tokens committed (n_past)
    int64_t n_blocks       = 0;  // InfLLM memory blocks (0 for the full cache)
    int64_t init_len       = 0;  // InfLLM initial tokens held, positions [0, init_len) (0 for the full cache)
    int64_t bytes_resident = 0;  // bytes held in RAM
    int64_t bytes_mapped   = 0;  // bytes held in memory-mapped files
};

class attn_memory {
public:
    virtual ~attn_memory() = default;

    // ---- model call lifecycle ------------------------------------------------------------
    // Begins a call of n_tokens new tokens at positions [n_past(), n_past() + n_tokens).
    virtual void begin_call(int64_t n_tokens) = 0;
    // Attention of layer il over the call's tokens.
    //   q:   [n_tokens, n_head,    head_dim] raw projections (after q-norm, before RoPE), scratch
    //   k:   [n_tokens, n_head_kv, head_dim] raw projections (after k-norm, before RoPE), scratch
    //   v:   [n_tokens, n_head_kv, head_dim]
    //   out: [n_tokens, n_head,    head_dim]
    // The memory may rotate q and k in place. Layers are attended in order 0..n_layer-1.
    virtual void attend(int il, float * q, float * k, const float * v, float * out, thread_pool & pool) = 0;
    // Commits the call: n_past() advances by n_tokens.
    virtual void end_call() = 0;
    // Abandons the call in progress; the state is exactly as before begin_call().
    virtual void rollback_call() = 0;

    // ---- state -------------------------------------------------------------------------------
    virtual int64_t n_past() const = 0;
    // Tokens that can still be appended (INT64_MAX when unbounded).
    virtual int64_t capacity_left() const = 0;
    // Forgets everything (n_past() becomes 0).
    virtual void clear() = 0;
    // An independent memory with the same committed state (copy-on-write where possible).
    virtual std::unique_ptr<attn_memory> fork() const = 0;
    // Where retrieval decisions go (nullptr: nowhere). The full cache makes none.
    virtual void set_retrieval_sink(retrieval_sink * sink) = 0;
    virtual memory_stats stats() const = 0;

    // ---- benchmarks and tests ------------------------------------------------------------------
    // Appends n tokens with raw keys/values k, v [n, n_head_kv, head_dim] (before RoPE) to every
    // layer, stored exactly as a committed call would store them but without computing attention
    // (InfLLM: representative scores stay 0). Builds long contexts quickly; no call may be in
    // progress (invalid_argument), and the capacity must allow n more tokens.
    virtual void append_kv_only(int64_t n, const float * k, const float * v) = 0;
};

// Checks a layout (heads divisible, head_dim and RoPE dims sane); throws invalid_argument.
void validate_layout(const attn_layout & layout);

// Bookkeeping of the call in progress, shared by the memory implementations: positions of the
// call and which layers have been attended. Misuse throws invalid_argument.
class call_tracker {
public:
    void begin(int64_t n_past, int64_t n_tokens, int n_layer);
    void check_attend(int il) const;  // il in range, call active, layer not yet attended
    void mark_attended(int il);       // check_attend(il), then records it
    void check_complete() const;      // every layer attended
    void reset() { active_ = false; }
    bool    active() const { return active_; }
    int64_t pos0() const { return pos0_; }
    int64_t n_tokens() const { return n_; }
    bool    attended(int il) const { return active_ && done_[il] != 0; }

private:
    bool                 active_ = false;
    int64_t              pos0_ = 0;
    int64_t              n_ = 0;
    std::vector<uint8_t> done_;  // [n_layer]
};

} // namespace ifl
