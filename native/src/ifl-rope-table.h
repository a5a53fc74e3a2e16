// ifl-rope-table.h — RoPE cos/sin for a run of consecutive positions (one model call), computed
// once per call and shared by every layer of a memory. n_dims == 0 means "no rotation".
#pragma once

#include <cstdint>
#include <vector>

#include "ifl-rope.h"

namespace ifl {

class rope_table {
public:
    // Angles of positions [pos0, pos0 + n).
    void compute(const rope_params & p, int64_t pos0, int64_t n);
    // Rotates n_heads head vectors of the i-th position of the table in place.
    void rotate(const rope_params & p, int64_t i, float * x, int n_heads, int head_dim) const;
    int64_t size() const { return n_; }

private:
    int64_t            n_    = 0;
    int                half_ = 0;
    std::vector<float> cos_;  // [n, n_dims/2]
    std::vector<float> sin_;  // [n, n_dims/2]
};

} // namespace ifl
