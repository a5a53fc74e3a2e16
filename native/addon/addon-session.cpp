// addon-session.cpp — NativeSession (engine/binding/ModelBinding.ts): a context (forward pass +
// attention memory) over a shared model, its token history, and the eval worker.
// Lifecycle rules: one eval (or save / verify) at a time per session (a second one rejects BUSY);
// until its promise settles, fork/clear/stats/dispose throw BUSY and nPast returns the last committed value; after
// dispose() every method throws (eval rejects) DISPOSED, and dispose() again is a no-op. The
// eval worker keeps the session object referenced until its promise settles; the session keeps
// the model's native state alive (shared_ptr), even after NativeModel.dispose().
#include "addon-memio.h"
#include "addon-session.h"
#include "addon-wrap.h"

#include <chrono>
#include <limits>

namespace ifl_addon {

namespace {

struct session_init {
    std::unique_ptr<session_core> core;
};

class session_wrap : public Napi::ObjectWrap<session_wrap> {
public:
    static const napi_type_tag k_tag;
    static const napi_type_tag k_init_tag;
    static constexpr const char * k_class = "NativeSession";

    explicit session_wrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<session_wrap>(info) {
        core_ = std::move(take_init<session_init>(info, k_init_tag, k_class)->core);
        area_ = static_cast<model_area *>(info.Data());
        info.This().As<Napi::Object>().TypeTag(&k_tag);
    }

    session_core & live() const {
        if (!core_) ifl::throw_error(ifl::status::disposed, "the session has been disposed");
        return *core_;
    }
    session_core & idle() const {
        session_core & c = live();
        if (c.busy.load(std::memory_order_acquire)) ifl::throw_error(ifl::status::busy, "an eval of this session is running");
        return c;
    }

    Napi::Value eval(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        try {
            return guard(env, [&]() -> Napi::Value {
                session_core & c = live();
                eval_args args = parse_eval_args(info, 0);
                return start_eval(env, info.This().As<Napi::Object>(), c, std::move(args), abort_arg(info, 2), nullptr);
            });
        } catch (const Napi::Error & e) {
            Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
            d.Reject(e.Value());
            return d.Promise();
        }
    }
    // save(dir) / verify(): promises; every failure rejects (addon-memio.cpp).
    Napi::Value save(const Napi::CallbackInfo & info) {
        return rejecting(info, [&] { return session_save(info.Env(), info.This().As<Napi::Object>(), live(), arg_string(info, 0, "dir"), nullptr); });
    }
    Napi::Value verify(const Napi::CallbackInfo & info) {
        return rejecting(info, [&] { return session_verify(info.Env(), info.This().As<Napi::Object>(), live()); });
    }
    Napi::Value n_past(const Napi::CallbackInfo & info) {
        return Napi::Number::New(info.Env(), (double)live().n_past.load(std::memory_order_acquire));
    }
    Napi::Value fork(const Napi::CallbackInfo & info) {
        session_core & c = idle();
        auto core = std::make_unique<session_core>();
        core->ms = c.ms;
        core->ctx = c.ctx->fork();
        core->history = c.history;
        core->n_past.store(c.n_past.load());
        session_init init{std::move(core)};
        return area_->session_ctor.New({make_init(info.Env(), &init, k_init_tag)});
    }
    Napi::Value clear(const Napi::CallbackInfo & info) {
        session_core & c = idle();
        c.ctx->memory().clear();
        c.history.clear();
        c.n_past.store(0);
        return info.Env().Undefined();
    }
    Napi::Value stats(const Napi::CallbackInfo & info) {
        const ifl::memory_stats s = idle().ctx->memory().stats();
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("nTokens", (double)s.n_tokens);
        o.Set("nBlocks", (double)s.n_blocks);
        o.Set("initLen", (double)s.init_len);
        o.Set("bytesResident", (double)s.bytes_resident);
        o.Set("bytesMapped", (double)s.bytes_mapped);
        return o;
    }
    Napi::Value dispose(const Napi::CallbackInfo & info) {
        if (core_) {
            idle();
            core_.reset();
        }
        return info.Env().Undefined();
    }

private:
    template <class F>
    static Napi::Value rejecting(const Napi::CallbackInfo & info, F && f) {
        Napi::Env env = info.Env();
        try {
            return guard(env, [&]() -> Napi::Value { return f(); });
        } catch (const Napi::Error & e) {
            Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
            d.Reject(e.Value());
            return d.Promise();
        }
    }

    std::unique_ptr<session_core> core_;
    model_area *                  area_ = nullptr;
};

const napi_type_tag session_wrap::k_tag = {0xd5b2a8c4e1f37069ull, 0x2c7e9a1b4d6f8035ull};
const napi_type_tag session_wrap::k_init_tag = {0xd5b2a8c4e1f37069ull, 0x2c7e9a1b4d6f8036ull};

// Rows to compute: the requested ones, plus the last position when sampling needs it.
int64_t rows_with_sample_row(const eval_args & a, std::vector<int64_t> & rows) {
    rows = a.rows;
    if (!a.sample) return -1;
    const int64_t last = (int64_t)a.tokens.size() - 1;
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i] == last) return (int64_t)i;
    rows.push_back(last);
    return (int64_t)rows.size() - 1;
}

} // namespace

void trace_sink::on_retrieval(const ifl::retrieval_record & r) {
    data.layer.push_back(r.layer);
    data.q_start.push_back((double)r.q_start);
    data.q_len.push_back(r.q_len);
    data.n_blocks.push_back(r.n_blocks);
    data.scored.push_back(r.scored ? 1 : 0);
    data.selected.insert(data.selected.end(), r.selected.begin(), r.selected.end());
    for (size_t i = 0; i < r.selected.size(); ++i)
        data.scores.push_back(i < r.scores.size() ? r.scores[i] : std::numeric_limits<float>::quiet_NaN());
    data.sel_offsets.push_back((int32_t)data.selected.size());
    data.init_len.push_back((double)r.init_len);
    data.tail_len.push_back((double)r.tail_len);
}

void run_eval(session_core & s, const eval_args & a, eval_output & out, const abort_flag * abort,
              const ifl::tensor_callback * on_tensor) {
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t V = s.ms->model->hparams().n_vocab;
    std::vector<int64_t> rows;
    const int64_t sample_row = rows_with_sample_row(a, rows);
    out.n_rows = (int64_t)a.rows.size();
    out.want_logits = a.want_logits;
    out.logits.resize(rows.size() * (size_t)V);
    std::unique_lock<std::timed_mutex> lock = lock_compute(*s.ms, abort);
    trace_sink sink;
    struct sink_reset {
        ifl::attn_memory & m;
        ~sink_reset() { m.set_retrieval_sink(nullptr); }
    } reset{s.ctx->memory()};
    s.ctx->memory().set_retrieval_sink(a.trace ? &sink : nullptr);
    ifl::eval_request req;
    req.tokens = a.tokens.data();
    req.n_tokens = (int64_t)a.tokens.size();
    req.rows = rows.data();
    req.n_rows = (int64_t)rows.size();
    req.logits = out.logits.data();
    req.cancel = abort ? &abort->aborted : nullptr;
    req.on_tensor = on_tensor;
    s.ctx->eval(req, *s.ms->pool);
    s.history.insert(s.history.end(), a.tokens.begin(), a.tokens.end());
    const int64_t n_past = s.ctx->memory().n_past();
    s.n_past.store(n_past, std::memory_order_release);
    if (a.sample) {
        out.token = s.sampler.sample(a.sampling, out.logits.data() + sample_row * V, V, s.history.data(),
                                     (int64_t)s.history.size(), (uint64_t)n_past);
        out.has_token = true;
    }
    if (a.trace) {
        out.trace = std::move(sink.data);
        out.has_trace = true;
    }
    out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

Napi::Promise start_session_job(Napi::Env env, const Napi::Object & session, session_core & core, const char * name,
                                const char * busy_message, promise_worker::exec_fn exec, promise_worker::done_fn done) {
    bool expected = false;
    if (!core.busy.compare_exchange_strong(expected, true, std::memory_order_acq_rel))
        ifl::throw_error(ifl::status::busy, "%s", busy_message);
    session_core * c = &core;
    try {
        return promise_worker::start(env, name, std::move(exec), std::move(done), {session},
                                     [c] { c->busy.store(false, std::memory_order_release); });
    } catch (...) {
        core.busy.store(false, std::memory_order_release);
        throw;
    }
}

Napi::Promise start_eval(Napi::Env env, const Napi::Object & session, session_core & core, eval_args args,
                         std::shared_ptr<abort_flag> abort, std::shared_ptr<ifl::tensor_callback> on_tensor,
                         std::function<void()> after_exec) {
    struct eval_job {
        eval_args                             args;
        std::shared_ptr<abort_flag>           abort;
        std::shared_ptr<ifl::tensor_callback> on_tensor;
        std::function<void()>                 after_exec;  // on the worker, after the eval either way
        eval_output                           out;
    };
    auto job = std::make_shared<eval_job>(eval_job{std::move(args), std::move(abort), std::move(on_tensor), std::move(after_exec), {}});
    session_core * c = &core;
    return start_session_job(
        env, session, core, "eval", "an eval of this session is already running",
        [c, job] {
            try {
                run_eval(*c, job->args, job->out, job->abort.get(), job->on_tensor.get());
            } catch (...) {
                if (job->after_exec) job->after_exec();
                throw;
            }
            if (job->after_exec) job->after_exec();
        },
        [c, job](Napi::Env e) -> Napi::Value { return eval_output_to_js(e, job->out, c->ms->model->hparams().n_vocab); });
}

session_core & session_core_of(Napi::Env env, const Napi::Value & session) {
    return unwrap_tagged<session_wrap>(env, session, "session")->live();
}

Napi::Value new_session(Napi::Env env, model_area * area, std::shared_ptr<model_state> ms, const Napi::Value & options) {
    auto core = std::make_unique<session_core>();
    core->ctx = std::make_unique<ifl::context>(*ms->model, memory_from_options(options, *ms->model));
    core->ms = std::move(ms);
    session_init init{std::move(core)};
    return area->session_ctor.New({make_init(env, &init, session_wrap::k_init_tag)});
}

Napi::Value wrap_session(Napi::Env env, model_area * area, std::unique_ptr<session_core> core) {
    session_init init{std::move(core)};
    return area->session_ctor.New({make_init(env, &init, session_wrap::k_init_tag)});
}

Napi::Function define_session_class(Napi::Env env, model_area * area) {
    return session_wrap::DefineClass(env, session_wrap::k_class,
                                     {tagged_method<session_wrap, &session_wrap::eval>("eval"),
                                      tagged_method<session_wrap, &session_wrap::n_past>("nPast"),
                                      tagged_method<session_wrap, &session_wrap::fork>("fork"),
                                      tagged_method<session_wrap, &session_wrap::clear>("clear"),
                                      tagged_method<session_wrap, &session_wrap::stats>("stats"),
                                      tagged_method<session_wrap, &session_wrap::save>("save"),
                                      tagged_method<session_wrap, &session_wrap::verify>("verify"),
                                      tagged_method<session_wrap, &session_wrap::dispose>("dispose")},
                                     area);
}

} // namespace ifl_addon
