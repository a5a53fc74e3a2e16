// ifl-infllm-repr.cpp — representative-token selection and the paged row store (f32 / f16 rows).
#include "infllm/ifl-infllm-repr.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "cpu/ifl-kv-convert.h"
#include "ifl-error.h"

namespace ifl {

repr_store::repr_store(int64_t row_len, kv_type type) : row_len_(row_len), type_(type) {
    IFL_ASSERT(type == kv_type::f32 || type == kv_type::f16);
    if (type == kv_type::f16) stage_.resize((size_t)row_len);
}

repr_store::page repr_store::owned_page(const uint8_t * init, int64_t init_rows) const {
    page p;
    p.own = std::make_shared<std::vector<uint8_t>>((size_t)(k_repr_page * row_bytes()));
    if (init_rows > 0) std::memcpy(p.own->data(), init, (size_t)(init_rows * row_bytes()));
    p.data = p.own->data();
    return p;
}

uint8_t * repr_store::slot(int64_t b) {
    const size_t pi = (size_t)(b / k_repr_page);
    if (pi >= pages_.size()) pages_.push_back(owned_page(nullptr, 0));
    // Only the last page is ever written; fork() and adopt() make sure it is owned.
    return pages_[pi].own->data() + (b % k_repr_page) * row_bytes();
}

void repr_store::row_f32(int64_t b, float * out) const {
    kv_decode_rows(type_, row_data(b), 0, nullptr, 0, 1, (int)row_len_, out);
}

float * repr_store::next_row() {
    if (type_ == kv_type::f32) return reinterpret_cast<float *>(slot(n_));
    return stage_.data();
}

void repr_store::commit_row() {
    // f32 rows were written in place; f16 rows are rounded once (nearest even) into their slot.
    if (type_ == kv_type::f16) kv_encode_f16(stage_.data(), (int)row_len_, reinterpret_cast<uint16_t *>(slot(n_)));
    ++n_;
}

void repr_store::truncate(int64_t n) {
    if (n >= n_) return;
    n_ = n;
    const size_t keep = (size_t)((n + k_repr_page - 1) / k_repr_page);
    if (pages_.size() > keep) pages_.resize(keep);
    // The page receiving the next row must be writable (an adopted full page that became partial).
    const size_t pi = (size_t)(n_ / k_repr_page);
    if (pi < pages_.size() && !pages_[pi].own) pages_[pi] = owned_page(pages_[pi].data, n_ % k_repr_page);
}

repr_store repr_store::fork() const {
    repr_store f(row_len_, type_);
    f.n_ = n_;
    f.pages_ = pages_;
    // The page that receives the next row must not be shared: copy it.
    const size_t pi = (size_t)(n_ / k_repr_page);
    if (pi < f.pages_.size()) f.pages_[pi] = owned_page(pages_[pi].data, n_ % k_repr_page);
    return f;
}

void repr_store::adopt(const void * rows, int64_t n, std::shared_ptr<const void> owner) {
    pages_.clear();
    n_ = n;
    const uint8_t * base = static_cast<const uint8_t *>(rows);
    for (int64_t r0 = 0; r0 < n; r0 += k_repr_page) {
        const int64_t m = std::min(k_repr_page, n - r0);
        if (m == k_repr_page) {
            page p;
            p.keep = owner;
            p.data = base + r0 * row_bytes();
            pages_.push_back(std::move(p));
        } else {
            pages_.push_back(owned_page(base + r0 * row_bytes(), m));
        }
    }
}

int64_t repr_store::bytes_resident() const {
    int64_t n = 0;
    for (const auto & p : pages_) n += p.own ? k_repr_page * row_bytes() : 0;
    return n;
}

int64_t repr_store::bytes_mapped() const {
    int64_t n = 0;
    for (const auto & p : pages_) n += p.own ? 0 : k_repr_page * row_bytes();
    return n;
}

void repr_compute(const repr_shape & sh, const float * k_raw, int64_t row_stride, int64_t head_stride,
                  const float * scores, float * out, std::vector<int32_t> & order) {
    const int B = sh.block_size, d = sh.head_dim, r = sh.repr_topk;
    const int g = sh.n_head / sh.n_head_kv;
    order.resize((size_t)B);
    for (int h = 0; h < sh.n_head; ++h) {
        // Largest score first, ties (and NaN, treated as -inf) to the lowest token index.
        auto key = [&](int32_t t) {
            const float s = scores[(int64_t)t * sh.n_head + h];
            return std::isnan(s) ? -INFINITY : s;
        };
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + r, order.end(), [&](int32_t a, int32_t b) {
            const float ka = key(a), kb = key(b);
            return ka > kb || (ka == kb && a < b);
        });
        std::sort(order.begin(), order.begin() + r);  // sum in token order
        float * o = out + (int64_t)h * d;
        std::fill(o, o + d, 0.0f);
        const int hk = h / g;
        for (int i = 0; i < r; ++i) {
            const float * kt = k_raw + (int64_t)order[(size_t)i] * row_stride + hk * head_stride;
            for (int c = 0; c < d; ++c) o[c] += kt[c];
        }
        for (int c = 0; c < d; ++c) o[c] /= (float)r;
    }
}

} // namespace ifl
