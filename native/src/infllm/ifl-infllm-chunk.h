// ifl-infllm-chunk.h — one execution chunk of one layer (spec §2.4–2.6, §2.8): retrieval, then
// the local branch (window keys at true relative distances, visibility 0 <= p - j < n_local)
// and the global branch (selected blocks, init tokens, remainder tail; global queries rotated
// at n_local-1, keys un-rotated) in one joint softmax. The local branch's normalised
// probabilities are added to the remainder's representative scores.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/ifl-attention.h"
#include "ifl-memory.h"
#include "infllm/ifl-infllm-layer.h"
#include "infllm/ifl-infllm-retrieval.h"

namespace ifl {

struct infllm_chunk {
    int64_t       a = 0, b = 0;       // positions [a, b) of the chunk's queries
    const float * q_abs  = nullptr;   // [b-a, n_head, head_dim] rotated at their positions
    const float * q_glob = nullptr;   // [b-a, n_head, head_dim] rotated at n_local-1
    float *       out    = nullptr;   // [b-a, n_head, head_dim]
};

struct infllm_chunk_scratch {
    attn_workspace          ws;
    std::vector<attn_stage> stages;
    retrieval_scratch       rs;
};

// Selection for the chunk (fills rec except layer/q_start/q_len).
void infllm_chunk_retrieve(const infllm_layer & L, const attn_layout & lay, const infllm_settings & s,
                           const infllm_chunk & c, thread_pool & pool, infllm_chunk_scratch & sc,
                           retrieval_record & rec);

// Attention of the chunk over the selected blocks (ascending ids).
void infllm_chunk_attend(infllm_layer & L, const attn_layout & lay, const infllm_settings & s,
                         const infllm_chunk & c, const std::vector<int32_t> & selected, thread_pool & pool,
                         infllm_chunk_scratch & sc);

} // namespace ifl
