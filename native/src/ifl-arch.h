// ifl-arch.h — the model architectures the engine runs and what distinguishes them, plus the
// hyperparameters read from the `<arch>.*` GGUF keys. Adding an architecture means one entry in
// arch_traits (ifl-arch.cpp) and, if it brings new tensors, a few lines in ifl-model.cpp.
#pragma once

#include <cstdint>
#include <string>

#include "ifl-rope.h"

namespace ifl {

class gguf_file;

enum class model_arch { llama, qwen2, qwen3 };

struct arch_traits {
    model_arch   arch;
    const char * name;           // general.architecture value, also the metadata key prefix
    bool         rope_neox;      // RoPE pairing: neox (x[i], x[i+n/2]) or normal (x[2i], x[2i+1])
    bool         qkv_bias;       // attn_{q,k,v}.bias are required (optional otherwise)
    bool         qk_norm;        // per-head RMSNorm of q and k (attn_{q,k}_norm.weight), before RoPE
};

// Traits of `general.architecture`; UNSUPPORTED_ARCHITECTURE naming it (BAD_METADATA if absent).
const arch_traits & arch_from_file(const gguf_file & f);

struct model_hparams {
    model_arch  arch        = model_arch::llama;
    int64_t     n_vocab     = 0;  // <arch>.vocab_size, else the length of tokenizer.ggml.tokens
    int64_t     n_ctx_train = 0;  // <arch>.context_length
    int64_t     n_embd      = 0;  // <arch>.embedding_length
    int         n_layer     = 0;  // <arch>.block_count
    int         n_head      = 0;  // <arch>.attention.head_count
    int         n_head_kv   = 0;  // <arch>.attention.head_count_kv (default n_head)
    int         head_dim    = 0;  // <arch>.attention.key_length (default n_embd / n_head)
    int64_t     n_ff        = 0;  // <arch>.feed_forward_length
    float       rms_eps     = 0;  // <arch>.attention.layer_norm_rms_epsilon
    rope_params rope;             // n_dims: <arch>.rope.dimension_count (default head_dim);
                                  // freq_base: <arch>.rope.freq_base (default 10000);
                                  // freq_scale: 1 / rope.scaling.factor for type "linear";
                                  // freq_factors: filled by the loader from rope_freqs.weight
    int64_t q_dim() const { return (int64_t)n_head * head_dim; }
    int64_t kv_dim() const { return (int64_t)n_head_kv * head_dim; }
};

// Reads and validates the hyperparameters (BAD_METADATA naming the key and the problem;
// UNSUPPORTED_ARCHITECTURE for mixture-of-experts files and unsupported RoPE scaling).
model_hparams hparams_from_file(const gguf_file & f, const arch_traits & a);

const char * arch_name(model_arch a);

} // namespace ifl
