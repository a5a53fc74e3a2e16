// ifl-infllm-block-store.h — InfLLM memory blocks of one layer: immutable blocks of block_size
// tokens (K/V per kv head, un-rotated), appended in order and shared between forks.
// Element type: f32 now. The type tag and the accessors are the seam for f16 / 8-bit blocks and
// for blocks living in memory-mapped files (a block then points into the mapping instead of
// owning vectors); the attention reads blocks only through k_f32()/v_f32() views.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace ifl {

enum class kv_elem_type : uint8_t {
    f32 = 0,  // planned: f16, q8 (8-bit), each optionally backed by a memory-mapped file
};

struct kv_block_shape {
    int n_head     = 0;  // query heads (for the per-head scores)
    int n_head_kv  = 0;
    int head_dim   = 0;
    int block_size = 0;
};

class kv_block {
public:
    // Builds a block from head-major rows: token t of kv head h at k_rows + h*head_stride + t*head_dim
    // (same for v_rows); score_rows [block_size, n_head] (row stride n_head).
    static std::shared_ptr<const kv_block> make_f32(const kv_block_shape & sh, const float * k_rows,
                                                    const float * v_rows, int64_t head_stride,
                                                    const float * score_rows);

    kv_elem_type type() const { return type_; }
    const float * k_f32() const { return k_.data(); }       // [n_head_kv, block_size, head_dim]
    const float * v_f32() const { return v_.data(); }       // [n_head_kv, block_size, head_dim]
    const float * scores() const { return scores_.data(); } // [n_head, block_size] at creation
    int64_t bytes() const { return (int64_t)(k_.size() + v_.size() + scores_.size()) * 4; }

private:
    kv_elem_type       type_ = kv_elem_type::f32;
    std::vector<float> k_;
    std::vector<float> v_;
    std::vector<float> scores_;
};

class block_store {
public:
    int64_t size() const { return (int64_t)blocks_.size(); }
    const kv_block & at(int64_t b) const { return *blocks_[(size_t)b]; }
    void append(std::shared_ptr<const kv_block> b) { blocks_.push_back(std::move(b)); }
    void truncate(int64_t n) { if (n < size()) blocks_.resize((size_t)n); }
    void clear() { blocks_.clear(); }
    int64_t bytes() const;
    // Forks share every block (they are immutable); only the pointer list is copied.

private:
    std::vector<std::shared_ptr<const kv_block>> blocks_;
};

} // namespace ifl
