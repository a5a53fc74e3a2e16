// ifl-infllm-retrieval.h — block retrieval for one execution chunk of one layer (spec §2.8):
// relevance(b) = < mean over the chunk's queries of q rotated at n_local-1 , repr row b >
// (the sum over heads is the dot product of the concatenated vectors), top-k with ties to the
// lowest block id, one selection shared by all heads, ids reported ascending. When
// n_blocks <= topk every block is taken without scoring; topk = 0 selects nothing.
// Scores: f32 rows with attn_simd::dot1, f16 rows with attn_simd::dot1_f16 (f32 query mean ·
// f16 row, AVX2+F16C); each score's arithmetic is fixed per row (thread-count invariant).
#pragma once

#include <cstdint>
#include <vector>

#include "ifl-memory.h"
#include "infllm/ifl-infllm-repr.h"

namespace ifl {

class thread_pool;

struct retrieval_scratch {
    std::vector<float>   qmean;   // [n_head * head_dim]
    std::vector<float>   scores;  // [n_blocks]
    std::vector<int32_t> order;   // [n_blocks]
};

// Mean of n_q query rows: q [n_q, row_len] (row stride q_stride) -> out [row_len].
void retrieval_query_mean(const float * q, int64_t q_stride, int n_q, int64_t row_len, float * out);

// Fills rec.n_blocks, rec.scored, rec.selected (ascending) and rec.scores (of the selected).
void retrieval_select(const repr_store & reprs, const float * qmean, int topk, thread_pool & pool,
                      retrieval_scratch & sc, retrieval_record & rec);

} // namespace ifl
