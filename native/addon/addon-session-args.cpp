// addon-session-args.cpp — argument translation for sessions: NativeSessionOptions -> attention
// memory, eval(tokens, options) -> eval_args (NativeEvalOptions, NativeSamplingParams), and the
// eval result object (NativeEvalResult with NativeRetrievalTrace as typed arrays).
#include "addon-memory-args.h"
#include "addon-session.h"

#include <cmath>
#include <cstring>
#include <random>

#include "ifl-kv-cache.h"
#include "infllm/ifl-infllm-memory.h"

namespace ifl_addon {

namespace {

constexpr double k_max_safe_int = 9007199254740991.0;  // 2^53 - 1

float opt_float(const Napi::Object & o, const char * key, float def) { return (float)opt_number(o, key, (double)def); }

Napi::Int32Array int32_array_arg(const Napi::Value & v, const char * name) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
        throw make_type_error(v.Env(), std::string(name) + " must be an Int32Array");
    return v.As<Napi::Int32Array>();
}

template <class A, class T>
A typed_out(Napi::Env env, const std::vector<T> & v) {
    A a = A::New(env, v.size());
    if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(T));
    return a;
}

} // namespace

std::unique_ptr<ifl::attn_memory> memory_from_options(const Napi::Value & options, const ifl::model & m) {
    if (!options.IsObject()) throw make_type_error(options.Env(), "session options must be an object");
    const Napi::Object o = options.As<Napi::Object>();
    const ifl::model_hparams & hp = m.hparams();
    ifl::attn_layout layout;
    layout.n_layer = hp.n_layer;
    layout.n_head = hp.n_head;
    layout.n_head_kv = hp.n_head_kv;
    layout.head_dim = hp.head_dim;
    layout.rope = hp.rope;
    const std::string attention = opt_string(o, "attention", "");
    if (attention == "full") {
        const int64_t n_ctx = opt_int_in(o, "nCtx", hp.n_ctx_train, 1, (int64_t(1) << 40));
        return std::make_unique<ifl::kv_cache>(layout, n_ctx);
    }
    if (attention == "infllm")
        return std::make_unique<ifl::infllm_memory>(layout, parse_infllm_settings(o.Get("infllm")), parse_block_storage(o.Get("infllm")));
    throw make_type_error(options.Env(), "options.attention must be 'full' or 'infllm'");
}

ifl::sampling_params parse_sampling(const Napi::Value & v) {
    if (!v.IsObject()) throw make_type_error(v.Env(), "options.sample must be an object");
    const Napi::Object o = v.As<Napi::Object>();
    ifl::sampling_params p;
    p.temperature = opt_float(o, "temperature", p.temperature);
    p.top_k = (int32_t)opt_int_in(o, "topK", p.top_k, 0, INT32_MAX);
    p.top_p = opt_float(o, "topP", p.top_p);
    p.min_p = opt_float(o, "minP", p.min_p);
    p.repeat_penalty = opt_float(o, "repeatPenalty", p.repeat_penalty);
    p.presence_penalty = opt_float(o, "presencePenalty", p.presence_penalty);
    p.frequency_penalty = opt_float(o, "frequencyPenalty", p.frequency_penalty);
    p.penalty_last_n = (int32_t)opt_int_in(o, "penaltyLastN", p.penalty_last_n, -1, INT32_MAX);
    const Napi::Value seed = o.Get("seed");
    if (seed.IsUndefined() || seed.IsNull()) {
        std::random_device rd;
        p.seed = ((uint64_t)rd() << 32) ^ rd();
    } else {
        const double d = opt_number(o, "seed", 0);
        if (d != std::floor(d) || d < 0 || d > k_max_safe_int)
            throw make_type_error(v.Env(), "option seed must be an integer in [0, 2^53)");
        p.seed = (uint64_t)d;
    }
    ifl::sampling_validate(p);
    return p;
}

eval_args parse_eval_args(const Napi::CallbackInfo & info, size_t i_tokens) {
    Napi::Env env = info.Env();
    eval_args a;
    const Napi::Int32Array tokens = int32_array_arg(i_tokens < info.Length() ? info[i_tokens] : env.Undefined(), "tokens");
    if (tokens.ElementLength() == 0) throw make_type_error(env, "tokens must not be empty");
    a.tokens.assign(tokens.Data(), tokens.Data() + tokens.ElementLength());
    const int64_t n = (int64_t)a.tokens.size();
    const size_t i_opts = i_tokens + 1;
    if (i_opts >= info.Length() || info[i_opts].IsUndefined() || info[i_opts].IsNull()) {
        a.rows = {n - 1};
        return a;
    }
    const Napi::Object o = arg_object(info, i_opts, "options");
    const Napi::Value logits = o.Get("logits");
    if (logits.IsUndefined() || logits.IsNull() || (logits.IsString() && logits.As<Napi::String>().Utf8Value() == "last")) {
        a.rows = {n - 1};
    } else if (logits.IsString() && logits.As<Napi::String>().Utf8Value() == "all") {
        for (int64_t i = 0; i < n; ++i) a.rows.push_back(i);
    } else if (logits.IsString() && logits.As<Napi::String>().Utf8Value() == "none") {
        a.want_logits = false;
    } else if (logits.IsTypedArray()) {
        const Napi::Int32Array rows = int32_array_arg(logits, "options.logits");
        for (size_t i = 0; i < rows.ElementLength(); ++i) {
            if (rows[i] < 0 || rows[i] >= n)
                throw make_type_error(env, "options.logits: position " + std::to_string(rows[i]) + " is outside [0, " +
                                               std::to_string(n) + ")");
            a.rows.push_back(rows[i]);
        }
    } else {
        throw make_type_error(env, "options.logits must be 'none', 'last', 'all' or an Int32Array of positions");
    }
    const Napi::Value sample = o.Get("sample");
    if (!sample.IsUndefined() && !sample.IsNull()) {
        a.sample = true;
        a.sampling = parse_sampling(sample);
    }
    a.trace = opt_bool(o, "trace", false);
    return a;
}

Napi::Object eval_output_to_js(Napi::Env env, eval_output & out, int64_t n_vocab) {
    Napi::Object r = Napi::Object::New(env);
    if (out.want_logits) {  // the first n_rows rows (a row added only for sampling comes last)
        const size_t n = (size_t)(out.n_rows * n_vocab);
        Napi::Float32Array l = Napi::Float32Array::New(env, n);
        if (n) std::memcpy(l.Data(), out.logits.data(), n * sizeof(float));
        r.Set("logits", l);
    }
    if (out.has_token) r.Set("token", out.token);
    if (out.has_trace) {
        const trace_data & t = out.trace;
        Napi::Object o = Napi::Object::New(env);
        o.Set("layer", typed_out<Napi::Int32Array>(env, t.layer));
        o.Set("qStart", typed_out<Napi::Float64Array>(env, t.q_start));
        o.Set("qLen", typed_out<Napi::Int32Array>(env, t.q_len));
        o.Set("nBlocks", typed_out<Napi::Int32Array>(env, t.n_blocks));
        o.Set("scored", typed_out<Napi::Uint8Array>(env, t.scored));
        o.Set("selOffsets", typed_out<Napi::Int32Array>(env, t.sel_offsets));
        o.Set("selected", typed_out<Napi::Int32Array>(env, t.selected));
        o.Set("scores", typed_out<Napi::Float32Array>(env, t.scores));
        o.Set("initLen", typed_out<Napi::Float64Array>(env, t.init_len));
        o.Set("tailLen", typed_out<Napi::Float64Array>(env, t.tail_len));
        r.Set("trace", o);
    }
    r.Set("ms", out.ms);
    return r;
}

} // namespace ifl_addon
