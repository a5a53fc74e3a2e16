// ifl-context.cpp — the forward pass over one model call (see ifl-context.h).
#include "ifl-context.h"

#include <algorithm>

#include "cpu/ifl-matmul.h"
#include "cpu/ifl-ops.h"
#include "ifl-error.h"
#include "ifl-threadpool.h"

namespace ifl {

namespace {

constexpr int64_t k_inline_elems = 1 << 15;  // below this many elements, row ops run on the caller alone

// fn(t0, t1) over rows [0, n) of `width` elements: inline for small work (decode), else on the pool.
template <class F>
void for_rows(thread_pool & pool, int64_t n, int64_t width, F && fn) {
    if (n * width < k_inline_elems || pool.n_threads() == 1) {
        fn((int64_t)0, n);
    } else {
        pool.parallel_for(n, 1, [&fn](int64_t t0, int64_t t1) { fn(t0, t1); });
    }
}

void add_bias_rows(thread_pool & pool, float * y, const std::vector<float> & b, int64_t n) {
    if (b.empty()) return;
    const int64_t w = (int64_t)b.size();
    for_rows(pool, n, w, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) add_inplace(y + t * w, b.data(), w);
    });
}

void norm_rows(thread_pool & pool, const float * x, const float * w, int64_t n, int64_t width, float eps, float * out) {
    for_rows(pool, n, width, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) rms_norm(x + t * width, w, width, eps, out + t * width);
    });
}

void grow(std::vector<float> & v, int64_t n) {
    if ((int64_t)v.size() < n) v.resize((size_t)n);
}

bool cancelled(const std::atomic<bool> * c) { return c && c->load(std::memory_order_acquire); }

} // namespace

context::context(const model & m, std::unique_ptr<attn_memory> memory) : model_(m), mem_(std::move(memory)) {
    IFL_ASSERT(mem_ != nullptr);
}

std::unique_ptr<context> context::fork() const { return std::make_unique<context>(model_, mem_->fork()); }

void context::check_request(const eval_request & req) const {
    const int64_t n_vocab = model_.hparams().n_vocab;
    if (req.n_tokens <= 0 || !req.tokens) throw_error(status::invalid_argument, "eval: at least one token is required");
    for (int64_t i = 0; i < req.n_tokens; ++i)
        if (req.tokens[i] < 0 || req.tokens[i] >= n_vocab)
            throw_error(status::invalid_argument, "eval: token %lld is %d, outside the vocabulary [0, %lld)", (long long)i,
                        req.tokens[i], (long long)n_vocab);
    if (req.n_rows < 0 || (req.n_rows > 0 && (!req.rows || !req.logits)))
        throw_error(status::invalid_argument, "eval: bad logits rows request");
    for (int64_t i = 0; i < req.n_rows; ++i)
        if (req.rows[i] < 0 || req.rows[i] >= req.n_tokens)
            throw_error(status::invalid_argument, "eval: logits row %lld is outside the call [0, %lld)", (long long)req.rows[i],
                        (long long)req.n_tokens);
}

void context::reserve(int64_t n, int64_t n_rows) {
    const model_hparams & hp = model_.hparams();
    grow(x_, n * hp.n_embd);
    grow(h_, n * hp.n_embd);
    grow(y_, n * hp.n_embd);
    grow(q_, n * hp.q_dim());
    grow(att_, n * hp.q_dim());
    grow(k_, n * hp.kv_dim());
    grow(v_, n * hp.kv_dim());
    grow(gate_, std::min(n, k_ffn_batch) * hp.n_ff);
    grow(up_, std::min(n, k_ffn_batch) * hp.n_ff);
    grow(out_h_, n_rows * hp.n_embd);
}

void context::embed(const eval_request & req) {
    const int64_t E = model_.hparams().n_embd;
    for (int64_t t = 0; t < req.n_tokens; ++t) get_row(model_.tok_embd(), req.tokens[t], x_.data() + t * E);
}

void context::ffn(const layer_weights & L, int64_t n, thread_pool & pool, const std::atomic<bool> * cancel) {
    const int64_t E = model_.hparams().n_embd, F = model_.hparams().n_ff;
    for (int64_t b0 = 0; b0 < n; b0 += k_ffn_batch) {
        if (b0 > 0 && cancelled(cancel)) throw_error(status::cancelled, "eval cancelled inside the FFN");
        const int64_t nb = std::min(k_ffn_batch, n - b0);
        matmul(L.ffn_gate, h_.data() + b0 * E, nb, gate_.data(), pool, model_.weight_numerics());
        matmul(L.ffn_up, h_.data() + b0 * E, nb, up_.data(), pool, model_.weight_numerics());
        for_rows(pool, nb, F, [&](int64_t t0, int64_t t1) {
            silu_mul(gate_.data() + t0 * F, up_.data() + t0 * F, (t1 - t0) * F, gate_.data() + t0 * F);
        });
        matmul(L.ffn_down, gate_.data(), nb, y_.data() + b0 * E, pool, model_.weight_numerics());
    }
}

void context::layer(int il, int64_t n, thread_pool & pool, const eval_request & req) {
    const tensor_callback * cb = req.on_tensor;
    const model_hparams & hp = model_.hparams();
    const layer_weights & L = model_.layers()[(size_t)il];
    const int64_t E = hp.n_embd, QD = hp.q_dim(), KD = hp.kv_dim(), d = hp.head_dim;
    auto emit = [&](const char * name, const float * data, int64_t w) {
        if (cb) (*cb)(name, il, data, {n, w});
    };
    float * x = x_.data();
    float * h = h_.data();
    norm_rows(pool, x, L.attn_norm.data(), n, E, hp.rms_eps, h);
    emit("attn_norm", h, E);
    matmul(L.wq, h, n, q_.data(), pool, model_.weight_numerics());
    matmul(L.wk, h, n, k_.data(), pool, model_.weight_numerics());
    matmul(L.wv, h, n, v_.data(), pool, model_.weight_numerics());
    add_bias_rows(pool, q_.data(), L.bq, n);
    add_bias_rows(pool, k_.data(), L.bk, n);
    add_bias_rows(pool, v_.data(), L.bv, n);
    emit("Qcur", q_.data(), QD);
    emit("Kcur", k_.data(), KD);
    emit("Vcur", v_.data(), KD);
    if (!L.q_norm.empty()) {  // per-head RMSNorm: the [n, heads, d] buffers as rows of d
        norm_rows(pool, q_.data(), L.q_norm.data(), n * hp.n_head, d, hp.rms_eps, q_.data());
        norm_rows(pool, k_.data(), L.k_norm.data(), n * hp.n_head_kv, d, hp.rms_eps, k_.data());
        emit("Qcur_normed", q_.data(), QD);
        emit("Kcur_normed", k_.data(), KD);
    }
    mem_->attend(il, q_.data(), k_.data(), v_.data(), att_.data(), pool);
    emit("kqv_out", att_.data(), QD);
    if (cancelled(req.cancel)) throw_error(status::cancelled, "eval cancelled in layer %d", il);
    matmul(L.wo, att_.data(), n, y_.data(), pool, model_.weight_numerics());
    add_bias_rows(pool, y_.data(), L.bo, n);
    emit("attn_out", y_.data(), E);
    for_rows(pool, n, E, [&](int64_t t0, int64_t t1) { add_inplace(x + t0 * E, y_.data() + t0 * E, (t1 - t0) * E); });
    emit("ffn_inp", x, E);
    norm_rows(pool, x, L.ffn_norm.data(), n, E, hp.rms_eps, h);
    emit("ffn_norm", h, E);
    ffn(L, n, pool, req.cancel);
    emit("ffn_out", y_.data(), E);
    for_rows(pool, n, E, [&](int64_t t0, int64_t t1) { add_inplace(x + t0 * E, y_.data() + t0 * E, (t1 - t0) * E); });
    emit("l_out", x, E);
}

void context::output(const eval_request & req, thread_pool & pool) {
    if (req.n_rows == 0) return;
    const model_hparams & hp = model_.hparams();
    const int64_t E = hp.n_embd;
    for (int64_t i = 0; i < req.n_rows; ++i)
        rms_norm(x_.data() + req.rows[i] * E, model_.output_norm().data(), E, hp.rms_eps, out_h_.data() + i * E);
    if (req.on_tensor) (*req.on_tensor)("result_norm", -1, out_h_.data(), {req.n_rows, E});
    matmul(model_.output(), out_h_.data(), req.n_rows, req.logits, pool, model_.weight_numerics());
    if (req.on_tensor) (*req.on_tensor)("result_output", -1, req.logits, {req.n_rows, hp.n_vocab});
}

void context::eval(const eval_request & req, thread_pool & pool) {
    check_request(req);
    reserve(req.n_tokens, req.n_rows);
    mem_->begin_call(req.n_tokens);
    try {
        embed(req);
        if (req.on_tensor) (*req.on_tensor)("inp_embd", -1, x_.data(), {req.n_tokens, model_.hparams().n_embd});
        for (int il = 0; il < model_.hparams().n_layer; ++il) {
            if (cancelled(req.cancel)) throw_error(status::cancelled, "eval cancelled before layer %d", il);
            layer(il, req.n_tokens, pool, req);
        }
        if (cancelled(req.cancel)) throw_error(status::cancelled, "eval cancelled before the output head");
        output(req, pool);
        mem_->end_call();
    } catch (...) {
        mem_->rollback_call();
        throw;
    }
}

} // namespace ifl
