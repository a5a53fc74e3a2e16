// addon-model.cpp — modelLoad and NativeModel (engine/binding/ModelBinding.ts).
// modelLoad maps and validates the GGUF in a worker; progress goes through a
// TypedThreadSafeFunction (NonBlockingCall, payload freed when the queue is full). The JS side
// sees progress values strictly increasing, and the final 1 is delivered (synchronously, from
// OnOK) before the promise resolves; nothing is delivered after it settles.
// NativeModel.dispose() drops the model's reference to the native state: sessions keep it alive,
// so the weights are unmapped when the last session goes.
#include "addon-memio.h"
#include "addon-model.h"
#include "addon-wrap.h"

#include "ifl-cpu-features.h"
#include "infllm/ifl-infllm-manifest.h"

namespace ifl_addon {

namespace {

struct model_init {
    std::shared_ptr<model_state> state;
};

class model_wrap : public Napi::ObjectWrap<model_wrap> {
public:
    static const napi_type_tag k_tag;
    static const napi_type_tag k_init_tag;
    static constexpr const char * k_class = "NativeModel";

    explicit model_wrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<model_wrap>(info) {
        state_ = take_init<model_init>(info, k_init_tag, k_class)->state;
        area_ = static_cast<model_area *>(info.Data());
        info.This().As<Napi::Object>().TypeTag(&k_tag);
    }

    Napi::Value get_info(const Napi::CallbackInfo & info);
    Napi::Value create_session(const Napi::CallbackInfo & info) {
        return new_session(info.Env(), area_, live(), info.Length() > 0 ? info[0] : info.Env().Undefined());
    }
    // openSession(dir, options) -> Promise<NativeSession>; every failure rejects.
    Napi::Value open_session(const Napi::CallbackInfo & info) {
        Napi::Env env = info.Env();
        try {
            return guard(env, [&]() -> Napi::Value {
                return model_open_session(env, area_, live(), arg_string(info, 0, "dir"),
                                          info.Length() > 1 ? info[1] : env.Undefined());
            });
        } catch (const Napi::Error & e) {
            Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
            d.Reject(e.Value());
            return d.Promise();
        }
    }
    Napi::Value dispose(const Napi::CallbackInfo & info) {
        state_.reset();
        return info.Env().Undefined();
    }

private:
    const std::shared_ptr<model_state> & live() const {
        if (!state_) ifl::throw_error(ifl::status::disposed, "the model has been disposed");
        return state_;
    }

    std::shared_ptr<model_state> state_;
    model_area *                 area_ = nullptr;
};

const napi_type_tag model_wrap::k_tag = {0x3c94e1a7b2f05d68ull, 0x91d7c2e4a6b8f013ull};
const napi_type_tag model_wrap::k_init_tag = {0x3c94e1a7b2f05d68ull, 0x91d7c2e4a6b8f014ull};

Napi::Value model_wrap::get_info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const model_state & ms = *live();
    const ifl::model & m = *ms.model;
    const ifl::model_hparams & hp = m.hparams();
    Napi::Object o = Napi::Object::New(env);
    o.Set("architecture", ifl::arch_name(hp.arch));
    o.Set("nVocab", (double)hp.n_vocab);
    o.Set("nCtxTrain", (double)hp.n_ctx_train);
    o.Set("nEmbd", (double)hp.n_embd);
    o.Set("nLayer", hp.n_layer);
    o.Set("nHead", hp.n_head);
    o.Set("nHeadKv", hp.n_head_kv);
    o.Set("headDim", hp.head_dim);
    o.Set("nFf", (double)hp.n_ff);
    o.Set("ropeFreqBase", hp.rope.freq_base);
    o.Set("ropeNeox", hp.rope.neox);
    o.Set("rmsEps", hp.rms_eps);
    o.Set("tiedEmbeddings", m.tied_embeddings());
    o.Set("weightBytes", (double)m.weight_bytes());
    Napi::Object types = Napi::Object::New(env);
    for (const auto & kv : m.tensor_type_counts()) types.Set(kv.first, kv.second);
    o.Set("tensorTypes", types);
    o.Set("fingerprint", m.fingerprint());
    o.Set("threads", ms.pool->n_threads());
    o.Set("numerics", m.weight_numerics() == ifl::numerics::fast ? "fast" : "exact");
    o.Set("memoryFormat", ifl::k_memory_format_version);
    return o;
}

// ---- modelLoad ----------------------------------------------------------------------------

// JS-thread state of one load's progress reporting; owned by the TSFN (freed by its finalizer).
struct progress_state {
    float last = -1.0f;     // last value delivered
    bool  settled = false;  // the promise settled: deliver nothing more
};

void deliver_progress(Napi::Env env, Napi::Function fn, progress_state * st, float v) {
    if (st->settled || !(v > st->last)) return;
    st->last = v;
    try {
        fn.Call({Napi::Number::New(env, v)});
    } catch (const Napi::Error &) {
        // An exception thrown by onProgress is ignored; it cannot stop the load.
    }
}

void progress_call_js(Napi::Env env, Napi::Function fn, progress_state * st, float * v) {
    if (env) deliver_progress(env, fn, st, *v);
    delete v;
}

using progress_tsfn = Napi::TypedThreadSafeFunction<progress_state, float, progress_call_js>;

class load_worker : public Napi::AsyncWorker {
public:
    load_worker(Napi::Env env, model_area * area, std::string path, int threads, ifl::numerics num, std::shared_ptr<abort_flag> abort)
        : Napi::AsyncWorker(env, "modelLoad"), deferred_(Napi::Promise::Deferred::New(env)), area_(area),
          path_(std::move(path)), threads_(threads), num_(num), abort_(std::move(abort)) {}

    Napi::Promise promise() const { return deferred_.Promise(); }

    void set_progress(Napi::Env env, Napi::Function fn) {
        progress_ = new progress_state();
        progress_fn_ = Napi::Persistent(fn);
        tsfn_ = progress_tsfn::New(env, fn, "modelLoadProgress", 16, 1, progress_,
                                   [](Napi::Env, void *, progress_state * st) { delete st; });
    }

    void Execute() override {
        const bool ok = run_captured(
            [this] {
                ifl::model_load_params p;
                p.cancel = abort_ ? &abort_->aborted : nullptr;
                p.num = num_;
                if (progress_) {
                    p.on_progress = [this](float v) {
                        float * payload = new float(v);
                        if (tsfn_.NonBlockingCall(payload) != napi_ok) delete payload;  // queue full or closing
                    };
                }
                if (abort_ && abort_->aborted.load()) ifl::throw_error(ifl::status::cancelled, "model load cancelled");
                state_ = std::make_shared<model_state>();
                state_->model = ifl::model::load(path_, p);
                state_->pool = std::make_unique<ifl::thread_pool>(threads_);
            },
            code_, message_);
        if (!ok) {
            state_.reset();
            SetError(message_);
        }
    }

    void OnOK() override {
        Napi::Env env = Env();
        Napi::HandleScope scope(env);
        if (progress_) {
            deliver_progress(env, progress_fn_.Value(), progress_, 1.0f);
            settle_progress();
        }
        try {
            model_init init{std::move(state_)};
            Napi::Object m = area_->model_ctor.New({make_init(env, &init, model_wrap::k_init_tag)});
            deferred_.Resolve(m);
        } catch (const Napi::Error & e) {
            deferred_.Reject(e.Value());
        }
    }

    void OnError(const Napi::Error &) override {
        Napi::Env env = Env();
        Napi::HandleScope scope(env);
        if (progress_) settle_progress();
        state_.reset();
        deferred_.Reject(make_error(env, code_, message_).Value());
    }

private:
    void settle_progress() {
        progress_->settled = true;
        tsfn_.Release();  // the finalizer frees progress_ once queued calls have drained
        progress_ = nullptr;
    }

    Napi::Promise::Deferred      deferred_;
    model_area *                 area_;
    std::string                  path_;
    int                          threads_;
    ifl::numerics                num_;
    std::shared_ptr<abort_flag>  abort_;
    std::shared_ptr<model_state> state_;
    progress_state *             progress_ = nullptr;
    Napi::FunctionReference      progress_fn_;
    progress_tsfn                tsfn_;
    ifl::status                  code_ = ifl::status::ok;
    std::string                  message_;
};

} // namespace

Napi::Function define_model_class(Napi::Env env, model_area * area) {
    return model_wrap::DefineClass(env, model_wrap::k_class,
                                   {tagged_method<model_wrap, &model_wrap::get_info>("info"),
                                    tagged_method<model_wrap, &model_wrap::create_session>("createSession"),
                                    tagged_method<model_wrap, &model_wrap::open_session>("openSession"),
                                    tagged_method<model_wrap, &model_wrap::dispose>("dispose")},
                                   area);
}

// modelLoad(path, options?, abort?): every failure rejects the promise (never throws).
Napi::Value model_load(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto * area = static_cast<model_area *>(info.Data());
    try {
        return guard(env, [&]() -> Napi::Value {
            const std::string path = arg_string(info, 0, "path");
            int threads = ifl::cpu_physical_cores();
            ifl::numerics num = ifl::numerics::fast;
            Napi::Function on_progress;
            if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
                const Napi::Object o = arg_object(info, 1, "options");
                const double t = opt_number(o, "threads", (double)threads);
                if (t != (double)(int)t || t < 1 || t > 512) throw make_type_error(env, "option threads must be an integer in [1, 512]");
                threads = (int)t;
                const std::string nums = opt_string(o, "numerics", "fast");
                if (nums != "fast" && nums != "exact") throw make_type_error(env, "option numerics must be 'exact' or 'fast'");
                num = nums == "fast" ? ifl::numerics::fast : ifl::numerics::exact;
                const Napi::Value p = o.Get("onProgress");
                if (!p.IsUndefined() && !p.IsNull()) {
                    if (!p.IsFunction()) throw make_type_error(env, "option onProgress must be a function");
                    on_progress = p.As<Napi::Function>();
                }
            }
            std::shared_ptr<abort_flag> abort = abort_arg(info, 2);
            auto * w = new load_worker(env, area, path, threads, num, std::move(abort));
            if (!on_progress.IsEmpty()) w->set_progress(env, on_progress);
            Napi::Promise promise = w->promise();
            w->Queue();
            return promise;
        });
    } catch (const Napi::Error & e) {
        Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
        d.Reject(e.Value());
        return d.Promise();
    }
}

} // namespace ifl_addon

namespace {

void register_model_area(Napi::Env env, Napi::Object exports) {
    auto * area = new ifl_addon::model_area();
    env.AddCleanupHook([area] { delete area; });
    area->abort_ctor = Napi::Persistent(ifl_addon::define_abort_class(env, area));
    area->model_ctor = Napi::Persistent(ifl_addon::define_model_class(env, area));
    area->session_ctor = Napi::Persistent(ifl_addon::define_session_class(env, area));
    exports.Set("createAbort", Napi::Function::New(env, ifl_addon::create_abort, "createAbort", area));
    exports.Set("modelLoad", Napi::Function::New(env, ifl_addon::model_load, "modelLoad", area));
    ifl_addon::register_model_testing(env, exports);
}

} // namespace

IFL_ADDON_REGISTER(model, register_model_area);
