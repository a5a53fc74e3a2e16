// ifl-infllm-repr.h — representative vectors of the memory blocks of one layer (spec §2.7).
// Row b = concat over query heads h of the mean raw (un-rotated) key, of kv head h / g, over the
// repr_topk tokens of block b with the largest representative score for head h (ties: lowest
// token index). Rows live in pages of k_repr_page rows, each page contiguous
// [rows, n_head*head_dim] for fast scoring. Full pages are immutable and shared by forks; the
// last page is copied by fork(). Pages of an opened saved memory point into its mapped reprs
// file (only the last, partial page is copied, so that new rows can follow).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace ifl {

constexpr int64_t k_repr_page = 64;  // rows per page

class repr_store {
public:
    explicit repr_store(int64_t row_len = 0) : row_len_(row_len) {}

    int64_t size() const { return n_; }
    int64_t row_len() const { return row_len_; }
    const float * row(int64_t b) const { return pages_[(size_t)(b / k_repr_page)].data + (b % k_repr_page) * row_len_; }
    // Writable slot for the next row (call commit_row() after filling it).
    float * next_row();
    void commit_row() { ++n_; }
    void truncate(int64_t n);
    void clear() { pages_.clear(); n_ = 0; }
    repr_store fork() const;
    // Replaces the content with n rows [n, row_len] at `rows`, kept alive by `owner` (no copy of
    // full pages).
    void adopt(const float * rows, int64_t n, std::shared_ptr<const void> owner);
    int64_t bytes_resident() const;
    int64_t bytes_mapped() const;

private:
    struct page {
        std::shared_ptr<std::vector<float>> own;   // owned storage, or null for adopted rows
        std::shared_ptr<const void>         keep;  // adopted rows' owner
        const float *                       data = nullptr;  // [k_repr_page, row_len]
    };
    static page owned_page(int64_t row_len, const float * init, int64_t init_rows);

    int64_t row_len_ = 0;
    int64_t n_ = 0;
    std::vector<page> pages_;
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
