// ifl-infllm-block-store.h — InfLLM memory blocks of one layer: immutable blocks of block_size
// tokens (K/V per kv head, un-rotated), appended in order and shared between forks.
//
// A block is one *record* of bytes (layout: kv_block_layout) in its element type (f32 / f16 /
// q8, ifl-kv-type.h), living either in process memory (RAM tier) or in a block segment file
// read through a memory mapping (disk tier, opened saved memories; ifl-infllm-block-file.h).
// The attention reads records in place and decodes them tile by tile (cpu/ifl-attention.h).
// Each record carries its CRC-32C; records of an opened saved memory are verified on first use
// (check()), everything else was written by this process and starts verified.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ifl-kv-type.h"

namespace ifl {

class block_segment;

struct kv_block_shape {
    int n_head     = 0;  // query heads (for the per-head scores)
    int n_head_kv  = 0;
    int head_dim   = 0;
    int block_size = 0;
};

// Byte layout of one record (offsets from its start), padded to 64 bytes:
//   K [n_head_kv, block_size, head_dim] elements, V [same],
//   q8 only: K scales [n_head_kv, block_size] f32, V scales [same].
struct kv_block_layout {
    kv_type type = kv_type::f32;
    int64_t k_off = 0, v_off = 0, ks_off = 0, vs_off = 0;
    int64_t bytes = 0;
    static kv_block_layout make(const kv_block_shape & sh, kv_type t);
};

// Encodes a block's keys/values into `rec` (layout.bytes, zero padding included) from head-major
// f32 rows: token t of kv head h at k_rows + h*head_stride + t*head_dim (same for v_rows).
void kv_block_encode(const kv_block_shape & sh, const kv_block_layout & lay, const float * k_rows,
                     const float * v_rows, int64_t head_stride, uint8_t * rec);

class kv_block {
public:
    // A block over `rec` (lay.bytes bytes) kept alive by `owner`. seg / seg_index: where the
    // record lives on disk (nullptr for RAM). scores: [n_head, block_size] at creation, or empty.
    kv_block(const kv_block_layout & lay, const uint8_t * rec, std::shared_ptr<const void> owner,
             std::shared_ptr<const block_segment> seg, int64_t seg_index, uint32_t crc, bool verified,
             std::vector<float> scores);

    kv_type         type() const { return lay_.type; }
    const uint8_t * record() const { return rec_; }
    int64_t         record_bytes() const { return lay_.bytes; }
    const void *    k() const { return rec_ + lay_.k_off; }  // [n_head_kv, block_size, head_dim]
    const void *    v() const { return rec_ + lay_.v_off; }  // [n_head_kv, block_size, head_dim]
    const float *   k_scale() const { return reinterpret_cast<const float *>(rec_ + lay_.ks_off); }  // q8: [n_head_kv, block_size]
    const float *   v_scale() const { return reinterpret_cast<const float *>(rec_ + lay_.vs_off); }  // q8: [n_head_kv, block_size]
    // Representative scores of the tokens when the block was made, [n_head, block_size]; kept
    // only for f32 blocks in RAM (inspection); nullptr otherwise.
    const float *   scores() const { return scores_.empty() ? nullptr : scores_.data(); }
    uint32_t        crc() const { return crc_; }
    const block_segment * segment() const { return seg_.get(); }
    const std::shared_ptr<const block_segment> & segment_ptr() const { return seg_; }
    int64_t         segment_index() const { return seg_index_; }
    bool            mapped() const { return seg_ != nullptr; }
    // Bytes this block holds in RAM / in mapped files.
    int64_t         bytes_resident() const;
    int64_t         bytes_mapped() const { return seg_ ? lay_.bytes : 0; }

    // Verifies the record's CRC once; throws ifl::error(memory_corrupt) naming the file and
    // block when it does not match (then on every later call too).
    void check() const;
    bool verified() const { return state_.load(std::memory_order_acquire) == k_ok; }

    // Decodes K or V to f32 [n_head_kv, block_size, head_dim] (inspection, tests).
    void decode(const kv_block_shape & sh, bool values, float * out) const;

private:
    static constexpr uint8_t k_unchecked = 0, k_ok = 1, k_bad = 2;
    kv_block_layout                      lay_;
    const uint8_t *                      rec_;
    std::shared_ptr<const void>          owner_;
    std::shared_ptr<const block_segment> seg_;
    int64_t                              seg_index_ = -1;
    uint32_t                             crc_ = 0;
    mutable std::atomic<uint8_t>         state_{k_unchecked};
    std::vector<float>                   scores_;
};

// Makes a RAM block from head-major f32 rows (see kv_block_encode) and score rows
// [block_size, n_head] (row stride n_head; copied only when keep_scores).
std::shared_ptr<const kv_block> kv_block_make_ram(const kv_block_shape & sh, kv_type t, const float * k_rows,
                                                  const float * v_rows, int64_t head_stride, const float * score_rows,
                                                  bool keep_scores);

class block_store {
public:
    int64_t size() const { return (int64_t)blocks_.size(); }
    const kv_block & at(int64_t b) const { return *blocks_[(size_t)b]; }
    const std::shared_ptr<const kv_block> & ptr(int64_t b) const { return blocks_[(size_t)b]; }
    void append(std::shared_ptr<const kv_block> b) { blocks_.push_back(std::move(b)); }
    void truncate(int64_t n) { if (n < size()) blocks_.resize((size_t)n); }
    void clear() { blocks_.clear(); }
    int64_t bytes_resident() const;
    int64_t bytes_mapped() const;
    // Forks share every block (they are immutable); only the pointer list is copied.

private:
    std::vector<std::shared_ptr<const kv_block>> blocks_;
};

} // namespace ifl
