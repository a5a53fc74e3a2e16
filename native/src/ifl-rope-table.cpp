// ifl-rope-table.cpp — per-call RoPE angle table.
#include "ifl-rope-table.h"

#include "ifl-error.h"

namespace ifl {

void rope_table::compute(const rope_params & p, int64_t pos0, int64_t n) {
    IFL_ASSERT(n >= 0 && p.n_dims >= 0 && p.n_dims % 2 == 0);
    n_ = n;
    half_ = p.n_dims / 2;
    if (half_ == 0) return;
    cos_.resize((size_t)n * half_);
    sin_.resize((size_t)n * half_);
    for (int64_t i = 0; i < n; ++i)
        rope_angles(p, (double)(pos0 + i), cos_.data() + i * half_, sin_.data() + i * half_);
}

void rope_table::rotate(const rope_params & p, int64_t i, float * x, int n_heads, int head_dim) const {
    if (half_ == 0) return;
    IFL_ASSERT(i >= 0 && i < n_);
    rope_rotate(p, cos_.data() + i * half_, sin_.data() + i * half_, x, n_heads, head_dim);
}

} // namespace ifl
