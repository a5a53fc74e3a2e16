// ifl-arch.cpp — architecture table and hyperparameter loading from `<arch>.*` GGUF keys.
#include "ifl-arch.h"

#include <cmath>

#include "ifl-error.h"
#include "ifl-gguf.h"

namespace ifl {

namespace {

// RoPE pairing is implied by the architecture, as in llama.cpp (llama_model_rope_type).
constexpr arch_traits k_archs[] = {
    {model_arch::llama, "llama", false, false, false},
    {model_arch::qwen2, "qwen2", true, true, false},
    {model_arch::qwen3, "qwen3", true, false, true},
};

int64_t positive(const gguf_file & f, const std::string & key, int64_t v, int64_t max) {
    if (v <= 0 || v > max)
        throw_error(status::bad_metadata, "metadata key \"%s\": value %lld is out of range [1, %lld]", key.c_str(),
                    (long long)v, (long long)max);
    return v;
}

// 1 / factor for linear scaling; 1 when the file states none.
float rope_freq_scale(const gguf_file & f, const std::string & p) {
    const std::string type = f.get_string(p + ".rope.scaling.type", "none");
    if (type == "linear") {
        const float factor = f.get_f32(p + ".rope.scaling.factor");
        if (!(factor > 0.0f) || !std::isfinite(factor))
            throw_error(status::bad_metadata, "metadata key \"%s.rope.scaling.factor\": %g is not a positive factor",
                        p.c_str(), factor);
        return 1.0f / factor;
    }
    if (type != "none")
        throw_error(status::unsupported_architecture, "RoPE scaling type \"%s\" (%s.rope.scaling.type) is not supported "
                    "(supported: none, linear)", type.c_str(), p.c_str());
    const float legacy = f.get_f32(p + ".rope.scale_linear", 1.0f);  // older converters
    if (!(legacy > 0.0f) || !std::isfinite(legacy))
        throw_error(status::bad_metadata, "metadata key \"%s.rope.scale_linear\": %g is not a positive factor", p.c_str(), legacy);
    return 1.0f / legacy;
}

int64_t vocab_size(const gguf_file & f, const std::string & p) {
    if (f.find(p + ".vocab_size")) return positive(f, p + ".vocab_size", f.get_u32(p + ".vocab_size"), INT32_MAX);
    const gguf_kv * tokens = f.find("tokenizer.ggml.tokens");
    if (!tokens || tokens->value.type != gguf_type::array)
        throw_error(status::bad_metadata, "neither \"%s.vocab_size\" nor a \"tokenizer.ggml.tokens\" array gives the vocabulary size",
                    p.c_str());
    return positive(f, "tokenizer.ggml.tokens", (int64_t)tokens->value.count, INT32_MAX);
}

} // namespace

const char * arch_name(model_arch a) {
    for (const arch_traits & t : k_archs)
        if (t.arch == a) return t.name;
    return "?";
}

const arch_traits & arch_from_file(const gguf_file & f) {
    const std::string name = f.get_string("general.architecture");
    for (const arch_traits & t : k_archs)
        if (name == t.name) return t;
    throw_error(status::unsupported_architecture, "model architecture \"%s\" is not supported (supported: llama, qwen2, qwen3)",
                name.c_str());
}

model_hparams hparams_from_file(const gguf_file & f, const arch_traits & a) {
    const std::string p = a.name;
    model_hparams hp;
    hp.arch = a.arch;
    if (f.get_u32(p + ".expert_count", 0) > 0)
        throw_error(status::unsupported_architecture, "%s with mixture-of-experts layers (%s.expert_count = %u) is not supported",
                    a.name, p.c_str(), f.get_u32(p + ".expert_count"));
    hp.n_vocab = vocab_size(f, p);
    hp.n_ctx_train = positive(f, p + ".context_length", f.get_u32(p + ".context_length"), INT32_MAX);
    hp.n_embd = positive(f, p + ".embedding_length", f.get_u32(p + ".embedding_length"), 1 << 20);
    hp.n_layer = (int)positive(f, p + ".block_count", f.get_u32(p + ".block_count"), 4096);
    hp.n_head = (int)positive(f, p + ".attention.head_count", f.get_u32(p + ".attention.head_count"), 4096);
    hp.n_head_kv = (int)positive(f, p + ".attention.head_count_kv", f.get_u32(p + ".attention.head_count_kv", (uint32_t)hp.n_head), 4096);
    if (hp.n_head % hp.n_head_kv != 0)
        throw_error(status::bad_metadata, "%s.attention.head_count (%d) is not a multiple of head_count_kv (%d)", p.c_str(),
                    hp.n_head, hp.n_head_kv);
    if (!f.find(p + ".attention.key_length") && hp.n_embd % hp.n_head != 0)
        throw_error(status::bad_metadata, "%s.embedding_length (%lld) is not a multiple of attention.head_count (%d)", p.c_str(),
                    (long long)hp.n_embd, hp.n_head);
    hp.head_dim = (int)positive(f, p + ".attention.key_length",
                                f.get_u32(p + ".attention.key_length", (uint32_t)(hp.n_embd / hp.n_head)), 1024);
    const uint32_t v_len = f.get_u32(p + ".attention.value_length", (uint32_t)hp.head_dim);
    if ((int)v_len != hp.head_dim)
        throw_error(status::bad_metadata, "%s.attention.value_length (%u) differs from key_length (%d); not supported", p.c_str(),
                    v_len, hp.head_dim);
    hp.n_ff = positive(f, p + ".feed_forward_length", f.get_u32(p + ".feed_forward_length"), 1 << 24);
    hp.rms_eps = f.get_f32(p + ".attention.layer_norm_rms_epsilon");
    if (!(hp.rms_eps > 0.0f) || !(hp.rms_eps < 1.0f))
        throw_error(status::bad_metadata, "metadata key \"%s.attention.layer_norm_rms_epsilon\": %g is not in (0, 1)", p.c_str(),
                    hp.rms_eps);
    hp.rope.neox = a.rope_neox;
    hp.rope.n_dims = (int)f.get_u32(p + ".rope.dimension_count", (uint32_t)hp.head_dim);
    if (hp.rope.n_dims <= 0 || hp.rope.n_dims % 2 != 0 || hp.rope.n_dims > hp.head_dim)
        throw_error(status::bad_metadata, "metadata key \"%s.rope.dimension_count\": %d must be even and in [2, head_dim %d]",
                    p.c_str(), hp.rope.n_dims, hp.head_dim);
    hp.rope.freq_base = f.get_f32(p + ".rope.freq_base", 10000.0f);
    if (!(hp.rope.freq_base > 1.0f) || !std::isfinite(hp.rope.freq_base))
        throw_error(status::bad_metadata, "metadata key \"%s.rope.freq_base\": %g must be > 1", p.c_str(), hp.rope.freq_base);
    hp.rope.freq_scale = rope_freq_scale(f, p);
    return hp;
}

} // namespace ifl
