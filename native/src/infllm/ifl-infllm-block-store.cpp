// ifl-infllm-block-store.cpp — building immutable f32 blocks from the remainder rows.
#include "infllm/ifl-infllm-block-store.h"

#include <cstring>

namespace ifl {

std::shared_ptr<const kv_block> kv_block::make_f32(const kv_block_shape & sh, const float * k_rows,
                                                   const float * v_rows, int64_t head_stride,
                                                   const float * score_rows) {
    auto b = std::make_shared<kv_block>();
    const int B = sh.block_size, d = sh.head_dim;
    b->k_.resize((size_t)sh.n_head_kv * B * d);
    b->v_.resize((size_t)sh.n_head_kv * B * d);
    b->scores_.resize((size_t)sh.n_head * B);
    for (int h = 0; h < sh.n_head_kv; ++h) {
        const int64_t dst = (int64_t)h * B * d;
        std::memcpy(b->k_.data() + dst, k_rows + h * head_stride, sizeof(float) * (size_t)B * d);
        std::memcpy(b->v_.data() + dst, v_rows + h * head_stride, sizeof(float) * (size_t)B * d);
    }
    for (int h = 0; h < sh.n_head; ++h)
        for (int t = 0; t < B; ++t) b->scores_[(size_t)h * B + t] = score_rows[(int64_t)t * sh.n_head + h];
    return b;
}

int64_t block_store::bytes() const {
    int64_t n = 0;
    for (const auto & b : blocks_) n += b->bytes();
    return n;
}

} // namespace ifl
