// ifl-infllm-settings.h — InfLLM hyperparameters (infllm-spec.md §1), their validation, and the
// token range of a memory block.
#pragma once

#include <cstdint>

#include "ifl-kv-type.h"

namespace ifl {

// Paper defaults (spec §1, "Paper settings").
struct infllm_settings {
    int32_t n_init     = 128;   // initial ("sink") tokens kept forever
    int32_t n_local    = 4096;  // local window: a query sees itself and n_local-1 older tokens
    int32_t block_size = 128;   // tokens per memory block (B)
    int32_t topk       = 16;    // blocks retrieved per execution chunk (0: no retrieval)
    int32_t repr_topk  = 4;     // representative tokens per block and head (r)
    int32_t chunk      = 512;   // execution chunk E (exc_block_size): queries sharing one retrieval
    int32_t cache      = 32;    // max cached blocks of a GPU cache; only validated on CPU (topk <= cache)
    bool    compat     = false; // true: reference-code prefill mask quirk (spec §2.5, issue #61)
    kv_type kv         = kv_type::f16;  // element type of memory blocks (init and remainder stay f32)
};

// Throws ifl::error(invalid_argument) naming the offending field.
void infllm_validate(const infllm_settings & s);

struct token_range {
    int64_t begin = 0;  // first position
    int64_t end   = 0;  // one past the last position
};

// Positions held by memory block b: [n_init + b*B, n_init + (b+1)*B) (spec §2.2).
token_range infllm_block_range(const infllm_settings & s, int64_t block);

} // namespace ifl
