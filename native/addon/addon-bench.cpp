// addon-bench.cpp — binding._testing.bench (engine/binding/BenchBinding.ts): benchmark-only
// entries. fillSyntheticContext makes a session look as if it had consumed N tokens without
// running the model: seeded random raw keys/values go through the memory's own bookkeeping
// (attn_memory::append_kv_only: InfLLM init, blocks, representative vectors, local window; the
// full cache's pages), and the token history gets seeded random ids. What a decode step costs
// afterwards does not depend on the values, so `npm run bench` reaches 256K-token contexts in
// seconds instead of hours of prefill. The outputs of such a session are meaningless.
#include "addon-memio.h"
#include "addon-session.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

namespace ifl_addon {

namespace {

constexpr int64_t k_fill_call = 4096;  // tokens appended per append_kv_only call

// splitmix64: a fast, seedable stream of 64-bit values.
struct splitmix {
    uint64_t s;
    uint64_t next() {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    float uniform() { return (float)((double)(next() >> 11) * (2.0 / 9007199254740992.0) - 1.0); }  // [-1, 1)
};

// Appends n synthetic tokens to the session (worker thread; the session is marked busy). A
// failure part-way (out of memory) keeps the whole calls appended before it.
void fill_synthetic(session_core & c, int64_t n, uint64_t seed) {
    const ifl::model_hparams & hp = c.ms->model->hparams();
    const int64_t row = (int64_t)hp.n_head_kv * hp.head_dim;
    if (n > c.ctx->memory().capacity_left())
        ifl::throw_error(ifl::status::invalid_argument, "context full: %lld tokens requested, %lld left",
                         (long long)n, (long long)c.ctx->memory().capacity_left());
    splitmix rng{seed};
    std::vector<float> k, v;  // [call, n_head_kv, head_dim] each
    for (int64_t done = 0; done < n;) {
        const int64_t m = std::min(k_fill_call, n - done);
        k.resize((size_t)(m * row));
        v.resize(k.size());
        for (float & x : k) x = rng.uniform();
        for (float & x : v) x = rng.uniform();
        c.ctx->memory().append_kv_only(m, k.data(), v.data());
        for (int64_t i = 0; i < m; ++i) c.history.push_back((int32_t)(rng.next() % (uint64_t)hp.n_vocab));
        done += m;
        c.n_past.store(c.ctx->memory().n_past(), std::memory_order_release);
    }
}

// fillSyntheticContext(session, nTokens, seed) -> Promise<{ nPast, ms }>
Napi::Value fill_synthetic_context(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    try {
        return guard(env, [&]() -> Napi::Value {
            session_core & core = session_core_of(env, info[0]);
            const int64_t n = arg_int(info, 1, "nTokens");
            if (n < 1) throw make_type_error(env, "nTokens must be >= 1");
            const int64_t seed = arg_int(info, 2, "seed");
            if (seed < 0) throw make_type_error(env, "seed must be >= 0");
            session_core * c = &core;
            auto ms = std::make_shared<double>(0);
            return start_session_job(
                env, info[0].As<Napi::Object>(), core, "fillSyntheticContext", k_session_job_busy,
                [c, n, seed, ms] {
                    const auto t0 = std::chrono::steady_clock::now();
                    fill_synthetic(*c, n, (uint64_t)seed);
                    *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
                },
                [c, ms](Napi::Env e) -> Napi::Value {
                    Napi::Object o = Napi::Object::New(e);
                    o.Set("nPast", (double)c->n_past.load(std::memory_order_acquire));
                    o.Set("ms", *ms);
                    return o;
                });
        });
    } catch (const Napi::Error & e) {
        Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
        d.Reject(e.Value());
        return d.Promise();
    }
}

void register_bench(Napi::Env env, Napi::Object exports) {
    Napi::Object b = child_object(env, testing_object(env, exports), "bench");
    b.Set("fillSyntheticContext", Napi::Function::New(env, fill_synthetic_context, "fillSyntheticContext"));
}

} // namespace

} // namespace ifl_addon

IFL_ADDON_REGISTER(bench, ifl_addon::register_bench);
