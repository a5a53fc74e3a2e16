// ifl-infllm-retrieval.cpp — query mean, block scoring and deterministic top-k.
#include "infllm/ifl-infllm-retrieval.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cpu/ifl-attention-simd.h"
#include "ifl-threadpool.h"

namespace ifl {

constexpr int64_t k_score_grain = 64;  // blocks per scoring task

void retrieval_query_mean(const float * q, int64_t q_stride, int n_q, int64_t row_len, float * out) {
    std::fill(out, out + row_len, 0.0f);
    for (int i = 0; i < n_q; ++i)
        for (int64_t e = 0; e < row_len; ++e) out[e] += q[i * q_stride + e];
    for (int64_t e = 0; e < row_len; ++e) out[e] /= (float)n_q;
}

void retrieval_select(const repr_store & reprs, const float * qmean, int topk, thread_pool & pool,
                      retrieval_scratch & sc, retrieval_record & rec) {
    const int64_t nb = reprs.size();
    rec.n_blocks = (int32_t)nb;
    rec.selected.clear();
    rec.scores.clear();
    rec.scored = false;
    if (nb <= topk) {
        for (int64_t b = 0; b < nb; ++b) rec.selected.push_back((int32_t)b);
        return;
    }
    if (topk == 0) return;
    rec.scored = true;
    sc.scores.resize((size_t)nb);
    sc.order.resize((size_t)nb);
    struct job { const repr_store * reprs; const float * qmean; float * scores; int len; };
    const job j{&reprs, qmean, sc.scores.data(), (int)reprs.row_len()};
    const job * jp = &j;  // one captured pointer keeps std::function off the heap
    if (reprs.type() == kv_type::f32) {
        pool.parallel_for(nb, k_score_grain, [jp](int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b)
                jp->scores[b] = attn_simd::dot1(jp->qmean, static_cast<const float *>(jp->reprs->row_data(b)), jp->len);
        });
    } else {
        pool.parallel_for(nb, k_score_grain, [jp](int64_t b0, int64_t b1) {
            for (int64_t b = b0; b < b1; ++b)
                jp->scores[b] = attn_simd::dot1_f16(jp->qmean, static_cast<const uint16_t *>(jp->reprs->row_data(b)), jp->len);
        });
    }
    const float * scores = sc.scores.data();
    auto key = [&](int32_t b) { return std::isnan(scores[b]) ? -INFINITY : scores[b]; };
    std::iota(sc.order.begin(), sc.order.end(), 0);
    std::partial_sort(sc.order.begin(), sc.order.begin() + topk, sc.order.end(), [&](int32_t a, int32_t b) {
        const float ka = key(a), kb = key(b);
        return ka > kb || (ka == kb && a < b);
    });
    std::sort(sc.order.begin(), sc.order.begin() + topk);
    for (int i = 0; i < topk; ++i) {
        rec.selected.push_back(sc.order[(size_t)i]);
        rec.scores.push_back(scores[sc.order[(size_t)i]]);
    }
}

} // namespace ifl
