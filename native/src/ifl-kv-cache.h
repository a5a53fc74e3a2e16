// ifl-kv-cache.h — full causal attention memory (attn_memory): every key is kept, rotated at
// its absolute position, and every query attends to all keys at or before its own position.
// Storage per layer: pages of k_kv_page tokens, K and V each [n_head_kv, k_kv_page, head_dim],
// f32 (head-major: one head's consecutive keys are contiguous for the attention). Full pages are immutable and shared between forks (copy-on-write by construction: only
// the last, partial page is ever written, and fork() copies it).
#pragma once

#include <memory>
#include <vector>

#include "cpu/ifl-attention.h"
#include "ifl-memory.h"
#include "ifl-rope-table.h"

namespace ifl {

constexpr int64_t k_kv_page = 256;  // tokens per page (= one attention segment)

class kv_cache final : public attn_memory {
public:
    // capacity: maximum tokens (0: grows without bound).
    kv_cache(const attn_layout & layout, int64_t capacity);

    void begin_call(int64_t n_tokens) override;
    void attend(int il, float * q, float * k, const float * v, float * out, thread_pool & pool) override;
    void end_call() override;
    void rollback_call() override;

    int64_t n_past() const override { return n_past_; }
    int64_t capacity_left() const override;
    void clear() override;
    std::unique_ptr<attn_memory> fork() const override;
    void set_retrieval_sink(retrieval_sink *) override {}
    memory_stats stats() const override;
    void append_kv_only(int64_t n, const float * k, const float * v) override;

private:
    struct page {
        std::vector<float> k;  // [n_head_kv, k_kv_page, head_dim], rotated at absolute positions
        std::vector<float> v;  // [n_head_kv, k_kv_page, head_dim]
    };
    using page_ptr = std::shared_ptr<page>;
    struct layer_pages { std::vector<page_ptr> pages; };

    int64_t row_floats() const { return (int64_t)layout_.n_head_kv * layout_.head_dim; }
    void    write_tokens(layer_pages & lp, int64_t pos0, int64_t n, const float * k, const float * v);
    void    truncate_pages(int64_t n_tokens);

    attn_layout              layout_;
    int64_t                  capacity_ = 0;
    int64_t                  n_past_ = 0;
    std::vector<layer_pages> layers_;
    call_tracker             call_;
    rope_table               rope_;
    attn_workspace           ws_;
    std::vector<attn_stage>  stages_;
};

} // namespace ifl
