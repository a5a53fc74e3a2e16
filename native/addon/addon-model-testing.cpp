// addon-model-testing.cpp — binding._testing.model (engine/binding/ModelBinding.ts,
// ModelTestingBinding): the sampler on caller-given logits, and evalTensors, an eval that hands
// every named intermediate tensor to a JS callback while the native compute waits (a blocking
// TypedThreadSafeFunction call per tensor), so tests can inspect activations or abort at an
// exact layer. Slow by design; never used by services.
#include "addon-model.h"
#include "addon-session.h"
#include "addon-typed.h"

#include <cstring>
#include <future>
#include <algorithm>

namespace ifl_addon {

namespace {

// sample(logits: Float32Array, params, history: Int32Array, stream) -> { token, ids, probs }
Napi::Value test_sample(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        const std::vector<float> logits = arg_f32(info, 0, "logits");
        const ifl::sampling_params p = parse_sampling(info.Length() > 1 ? info[1] : env.Undefined());
        if (info.Length() < 3 || !info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
            throw make_type_error(env, "history must be an Int32Array");
        const Napi::Int32Array hist = info[2].As<Napi::Int32Array>();
        const int64_t stream = arg_int(info, 3, "stream");
        if (stream < 0) throw make_type_error(env, "stream must be >= 0");
        ifl::sampler s;
        const int32_t token = s.sample(p, logits.data(), (int64_t)logits.size(), hist.Data(), (int64_t)hist.ElementLength(),
                                       (uint64_t)stream);
        Napi::Object o = Napi::Object::New(env);
        o.Set("token", token);
        Napi::Int32Array ids = Napi::Int32Array::New(env, s.candidates().size());
        for (size_t i = 0; i < s.candidates().size(); ++i) ids[i] = s.candidates()[i].id;
        Napi::Float64Array probs = Napi::Float64Array::New(env, s.probs().size());
        if (!s.probs().empty()) std::memcpy(probs.Data(), s.probs().data(), s.probs().size() * sizeof(double));
        o.Set("ids", ids);
        o.Set("probs", probs);
        return o;
    });
}

// One tensor handed to JS; lives on the worker's stack while the worker waits for `done`.
struct tensor_msg {
    const char *                 name;
    int                          layer;
    const float *                data;
    const std::vector<int64_t> * shape;
    std::promise<std::string>    done;  // "" or the message of an exception thrown by onTensor
};

void tensor_call_js(Napi::Env env, Napi::Function fn, std::nullptr_t *, tensor_msg * m) {
    if (!env) {
        m->done.set_value("the JavaScript environment is shutting down");
        return;
    }
    try {
        int64_t count = 1;
        Napi::Array shape = Napi::Array::New(env, m->shape->size());
        for (size_t i = 0; i < m->shape->size(); ++i) {
            count *= (*m->shape)[i];
            shape.Set((uint32_t)i, (double)(*m->shape)[i]);
        }
        Napi::Float32Array data = Napi::Float32Array::New(env, (size_t)count);
        std::memcpy(data.Data(), m->data, (size_t)count * sizeof(float));
        fn.Call({Napi::String::New(env, m->name), Napi::Number::New(env, m->layer), data, shape});
        m->done.set_value("");
    } catch (const Napi::Error & e) {
        m->done.set_value(e.Message());
    }
}

using tensor_tsfn = Napi::TypedThreadSafeFunction<std::nullptr_t, tensor_msg, tensor_call_js>;

// evalTensors(session, tokens, options, watch: { names?, onTensor }, abort?) -> Promise<NativeEvalResult>
Napi::Value test_eval_tensors(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    try {
        return guard(env, [&]() -> Napi::Value {
            session_core & core = session_core_of(env, info[0]);
            eval_args args = parse_eval_args(info, 1);
            const Napi::Object watch = arg_object(info, 3, "watch");
            const Napi::Value fn = watch.Get("onTensor");
            if (!fn.IsFunction()) throw make_type_error(env, "watch.onTensor must be a function");
            std::vector<std::string> names;
            const Napi::Value nv = watch.Get("names");
            if (nv.IsArray()) {
                const Napi::Array arr = nv.As<Napi::Array>();
                for (uint32_t i = 0; i < arr.Length(); ++i) names.push_back(arr.Get(i).ToString().Utf8Value());
            }
            std::shared_ptr<abort_flag> abort = abort_arg(info, 4);
            tensor_tsfn tsfn = tensor_tsfn::New(env, fn.As<Napi::Function>(), "evalTensors", 0, 1);
            auto cb = std::make_shared<ifl::tensor_callback>(
                [tsfn, names](const char * name, int layer, const float * data, const std::vector<int64_t> & shape) {
                    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) return;
                    tensor_msg m{name, layer, data, &shape, {}};
                    std::future<std::string> done = m.done.get_future();
                    if (tsfn.BlockingCall(&m) != napi_ok)
                        ifl::throw_error(ifl::status::internal, "evalTensors: cannot reach JavaScript");
                    const std::string err = done.get();
                    if (!err.empty()) ifl::throw_error(ifl::status::internal, "onTensor threw: %s", err.c_str());
                });
            try {
                return start_eval(env, info[0].As<Napi::Object>(), core, std::move(args), abort, cb, [tsfn]() { tsfn.Release(); });
            } catch (...) {
                tsfn.Release();  // no worker will: an unreleased TSFN keeps the event loop alive
                throw;
            }
        });
    } catch (const Napi::Error & e) {
        Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
        d.Reject(e.Value());
        return d.Promise();
    }
}

} // namespace

void register_model_testing(Napi::Env env, Napi::Object exports) {
    Napi::Object t = testing_object(env, exports);
    Napi::Object m = Napi::Object::New(env);
    m.Set("sample", Napi::Function::New(env, test_sample, "sample"));
    m.Set("evalTensors", Napi::Function::New(env, test_eval_tensors, "evalTensors"));
    t.Set("model", m);
}

} // namespace ifl_addon
