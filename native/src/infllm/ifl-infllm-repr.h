// ifl-infllm-repr.h — representative vectors of the memory blocks of one layer (spec §2.7).
// Row b = concat over query heads h of the mean raw (un-rotated) key, of kv head h / g, over the
// repr_topk tokens of block b with the largest representative score for head h (ties: lowest
// token index). Rows are computed in f32 and stored in the store's element type (repr_type_for:
// f32 for f32 blocks, f16 — round to nearest even — for f16 and q8 blocks; scoring reads every
// row of every layer per chunk, so halving them halves that memory traffic). Rows live in pages
// of k_repr_page rows, each page contiguous [rows, n_head*head_dim] for fast scoring. Full pages
// are immutable and shared by forks; the last page is copied by fork(). Pages of an opened saved
// memory point into its mapped reprs file (only the last, partial page is copied, so that new
// rows can follow).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ifl-kv-type.h"

namespace ifl {

constexpr int64_t k_repr_page = 64;  // rows per page

// Element type of the representative rows for blocks of type `blocks`: f32 stays f32 (results
// identical to the float32 references), f16 and q8 get f16 rows.
inline kv_type repr_type_for(kv_type blocks) { return blocks == kv_type::f32 ? kv_type::f32 : kv_type::f16; }

class repr_store {
public:
    // type: f32 or f16 (repr_type_for).
    explicit repr_store(int64_t row_len = 0, kv_type type = kv_type::f32);

    int64_t size() const { return n_; }
    int64_t row_len() const { return row_len_; }
    kv_type type() const { return type_; }
    int64_t row_bytes() const { return row_len_ * (int64_t)kv_type_elem_bytes(type_); }
    // Row b in the element type: [row_len] f32 or f16 (binary16 bits).
    const void * row_data(int64_t b) const {
        return pages_[(size_t)(b / k_repr_page)].data + (b % k_repr_page) * row_bytes();
    }
    // Row b decoded to f32 (exact for both types) into out [row_len].
    void row_f32(int64_t b, float * out) const;
    // f32 slot for the next row; commit_row() stores it (converting f32 -> f16 for f16 rows).
    float * next_row();
    void commit_row();
    void truncate(int64_t n);
    void clear() { pages_.clear(); n_ = 0; }
    repr_store fork() const;
    // Replaces the content with n rows [n, row_len] in the element type at `rows`, kept alive by
    // `owner` (no copy of full pages).
    void adopt(const void * rows, int64_t n, std::shared_ptr<const void> owner);
    int64_t bytes_resident() const;
    int64_t bytes_mapped() const;

private:
    struct page {
        std::shared_ptr<std::vector<uint8_t>> own;   // owned storage, or null for adopted rows
        std::shared_ptr<const void>           keep;  // adopted rows' owner
        const uint8_t *                       data = nullptr;  // [k_repr_page, row_len] elements
    };
    page owned_page(const uint8_t * init, int64_t init_rows) const;
    uint8_t * slot(int64_t b);  // writable row b of an owned page

    int64_t row_len_ = 0;
    kv_type type_ = kv_type::f32;
    int64_t n_ = 0;
    std::vector<page> pages_;
    std::vector<float> stage_;  // f16 rows: [row_len] f32 row being filled
};

struct repr_shape {
    int n_head = 0, n_head_kv = 0, head_dim = 0, block_size = 0, repr_topk = 0;
};

// Computes one representative row.
//   k_raw:  token t of kv head h at k_raw + t*row_stride + h*head_stride
//   scores: [block_size, n_head] token-major (row stride n_head)
//   out:    [n_head * head_dim]
//   order:  scratch of block_size ints
void repr_compute(const repr_shape & sh, const float * k_raw, int64_t row_stride, int64_t head_stride,
                  const float * scores, float * out, std::vector<int32_t> & order);

} // namespace ifl
