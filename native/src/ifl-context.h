// ifl-context.h — the forward pass: one model call over n tokens with an attention memory.
//
// Per layer (llama / qwen2 / qwen3):
//   h = rms_norm(x) * attn_norm; q, k, v = h Wq^T (+bq), h Wk^T (+bk), h Wv^T (+bv);
//   qwen3: per-head rms_norm(q) * q_norm, rms_norm(k) * k_norm;
//   a = memory.attend(q, k, v) (RoPE, KV storage and softmax attention live in the memory);
//   x += a Wo^T (+bo); h = rms_norm(x) * ffn_norm; x += (silu(h Wg^T) * (h Wu^T)) Wd^T.
// Then logits = rms_norm(x[r]) * output_norm Wout^T, only for the requested rows r. Every weight
// matmul uses the model's numerics (model::weight_numerics: exact or fast).
//
// The whole call goes through each layer as one batch (matrix x matrix); the FFN runs in
// sub-batches of k_ffn_batch tokens so that its [tokens, n_ff] scratch stays bounded for long
// calls (matmul is batch-invariant, so this changes no bit). Scratch grows to the largest call
// seen and is reused: decoding allocates nothing.
//
// Cancellation: `cancel` is checked before every layer, after each layer's attention, between
// FFN sub-batches and before the output head (never inside a kernel). When it is set the
// memory's call is rolled back and status::cancelled is thrown; the context is then exactly as
// before the call. Any other failure inside the call rolls back the same way.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "ifl-memory.h"
#include "ifl-model.h"

namespace ifl {

class thread_pool;

constexpr int64_t k_ffn_batch = 512;  // tokens per FFN sub-batch

// Debug view of a named intermediate tensor (names as llama.cpp's graph callbacks:
// inp_embd, attn_norm, Qcur, Kcur, Vcur, Qcur_normed, Kcur_normed (qwen3), kqv_out, attn_out,
// ffn_inp, ffn_norm, ffn_out, l_out; then result_norm, result_output with layer -1).
// shape is innermost-last, e.g. {n_tokens, n_embd}; data is valid only during the call.
using tensor_callback = std::function<void(const char * name, int layer, const float * data, const std::vector<int64_t> & shape)>;

struct eval_request {
    const int32_t *           tokens   = nullptr;  // [n_tokens], each in [0, n_vocab)
    int64_t                   n_tokens = 0;
    const int64_t *           rows     = nullptr;  // [n_rows] positions within the call whose logits are wanted
    int64_t                   n_rows   = 0;
    float *                   logits   = nullptr;  // [n_rows, n_vocab], rows in request order
    const std::atomic<bool> * cancel   = nullptr;  // optional
    const tensor_callback *   on_tensor = nullptr; // optional (tests, debugging)
};

class context {
public:
    // The model must outlive the context.
    context(const model & m, std::unique_ptr<attn_memory> memory);

    // One model call at positions [n_past, n_past + n_tokens). Throws invalid_argument for bad
    // tokens/rows or a full memory, cancelled when cancel is set (state unchanged).
    void eval(const eval_request & req, thread_pool & pool);

    attn_memory &       memory() { return *mem_; }
    const attn_memory & memory() const { return *mem_; }
    const model &       get_model() const { return model_; }
    // Same model, forked memory, fresh scratch.
    std::unique_ptr<context> fork() const;

private:
    void check_request(const eval_request & req) const;
    void reserve(int64_t n_tokens, int64_t n_rows);
    void embed(const eval_request & req);
    void layer(int il, int64_t n, thread_pool & pool, const eval_request & req);
    void ffn(const layer_weights & L, int64_t n, thread_pool & pool, const std::atomic<bool> * cancel);
    void output(const eval_request & req, thread_pool & pool);

    const model &                model_;
    std::unique_ptr<attn_memory> mem_;
    // scratch, sized for the largest call seen
    std::vector<float> x_;     // [n_tokens, n_embd] residual stream
    std::vector<float> h_;     // [n_tokens, n_embd] normed input of attention / FFN
    std::vector<float> q_;     // [n_tokens, n_head, head_dim]
    std::vector<float> k_;     // [n_tokens, n_head_kv, head_dim]
    std::vector<float> v_;     // [n_tokens, n_head_kv, head_dim]
    std::vector<float> att_;   // [n_tokens, n_head, head_dim] attention output
    std::vector<float> y_;     // [n_tokens, n_embd] projection output before the residual add
    std::vector<float> gate_;  // [min(n_tokens, k_ffn_batch), n_ff]
    std::vector<float> up_;    // [min(n_tokens, k_ffn_batch), n_ff]
    std::vector<float> out_h_; // [n_rows, n_embd] normed rows for the output head
};

} // namespace ifl
