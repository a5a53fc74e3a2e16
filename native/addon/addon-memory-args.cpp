// addon-memory-args.cpp — layout / settings / typed-array translation for the memory test surface.
#include "addon-memory-args.h"

#include <cmath>
#include <cstring>
#include <string>

#include "addon-util.h"

namespace ifl_addon {

Napi::Object memory_testing_object(Napi::Env env, Napi::Object exports) {
    return child_object(env, testing_object(env, exports), "memory");
}

int64_t opt_int_in(const Napi::Object & o, const char * key, int64_t def, int64_t lo, int64_t hi) {
    const double d = opt_number(o, key, (double)def);
    if (d != std::floor(d) || d < (double)lo || d > (double)hi)
        throw make_type_error(o.Env(), std::string("option ") + key + " must be an integer in [" + std::to_string(lo) +
                                           ", " + std::to_string(hi) + "]");
    return (int64_t)d;
}

static int64_t required_int(const Napi::Object & o, const char * key, int64_t lo, int64_t hi) {
    if (o.Get(key).IsUndefined()) throw make_type_error(o.Env(), std::string("layout.") + key + " is required");
    return opt_int_in(o, key, 0, lo, hi);
}

ifl::attn_layout parse_layout(const Napi::Object & o) {
    ifl::attn_layout l;
    l.n_layer = (int)required_int(o, "nLayer", 1, 1024);
    l.n_head = (int)required_int(o, "nHead", 1, 1024);
    l.n_head_kv = (int)required_int(o, "nHeadKv", 1, 1024);
    l.head_dim = (int)required_int(o, "headDim", 1, 1024);
    l.rope.n_dims = (int)opt_int_in(o, "nDims", l.head_dim, 0, 1024);
    l.rope.neox = opt_bool(o, "neox", false);
    l.rope.freq_base = (float)opt_number(o, "ropeBase", 10000.0);
    l.rope.freq_scale = (float)opt_number(o, "freqScale", 1.0);
    return l;
}

ifl::infllm_settings parse_infllm_settings(const Napi::Value & v) {
    ifl::infllm_settings s;
    if (v.IsUndefined() || v.IsNull()) return s;
    if (!v.IsObject()) throw make_type_error(v.Env(), "settings must be an object");
    const Napi::Object o = v.As<Napi::Object>();
    constexpr int64_t lo = -(int64_t(1) << 31), hi = (int64_t(1) << 31) - 1;  // range checks: ifl::infllm_validate
    s.n_init = (int32_t)opt_int_in(o, "nInit", s.n_init, lo, hi);
    s.n_local = (int32_t)opt_int_in(o, "nLocal", s.n_local, lo, hi);
    s.block_size = (int32_t)opt_int_in(o, "blockSize", s.block_size, lo, hi);
    s.topk = (int32_t)opt_int_in(o, "topk", s.topk, lo, hi);
    s.repr_topk = (int32_t)opt_int_in(o, "reprTopk", s.repr_topk, lo, hi);
    s.chunk = (int32_t)opt_int_in(o, "chunk", s.chunk, lo, hi);
    s.cache = (int32_t)opt_int_in(o, "cache", s.cache, lo, hi);
    s.compat = opt_bool(o, "compat", s.compat);
    const std::string kv = opt_string(o, "kvType", ifl::kv_type_name(s.kv));
    if (!ifl::kv_type_parse(kv, &s.kv)) throw make_type_error(v.Env(), "option kvType must be 'f32', 'f16' or 'q8'");
    return s;
}

ifl::block_storage parse_block_storage(const Napi::Value & v) {
    ifl::block_storage st;
    if (v.IsUndefined() || v.IsNull()) return st;
    if (!v.IsObject()) throw make_type_error(v.Env(), "settings must be an object");
    const Napi::Object o = v.As<Napi::Object>();
    const std::string kind = opt_string(o, "storage", "ram");
    if (kind == "disk") {
        st.disk = true;
        st.dir = opt_string(o, "storageDir", "");
        if (st.dir.empty()) throw make_type_error(v.Env(), "option storageDir is required with storage 'disk'");
    } else if (kind != "ram") {
        throw make_type_error(v.Env(), "option storage must be 'ram' or 'disk'");
    }
    return st;
}

Napi::Object infllm_settings_to_js(Napi::Env env, const ifl::infllm_settings & s) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("nInit", s.n_init);
    o.Set("nLocal", s.n_local);
    o.Set("blockSize", s.block_size);
    o.Set("topk", s.topk);
    o.Set("reprTopk", s.repr_topk);
    o.Set("chunk", s.chunk);
    o.Set("cache", s.cache);
    o.Set("compat", s.compat);
    o.Set("kvType", ifl::kv_type_name(s.kv));
    return o;
}

void f32_arg(const Napi::Value & v, const char * name, int64_t expected, std::vector<float> & out) {
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        throw make_type_error(v.Env(), std::string(name) + " must be a Float32Array");
    Napi::Float32Array a = v.As<Napi::Float32Array>();
    if (expected >= 0 && (int64_t)a.ElementLength() != expected)
        throw make_type_error(v.Env(), std::string(name) + " must have " + std::to_string(expected) + " elements (got " +
                                           std::to_string(a.ElementLength()) + ")");
    out.resize(a.ElementLength());
    if (!out.empty()) std::memcpy(out.data(), a.Data(), sizeof(float) * out.size());
}

Napi::Float32Array f32_out(Napi::Env env, const float * data, size_t n) {
    Napi::Float32Array a = Napi::Float32Array::New(env, n);
    if (n > 0) std::memcpy(a.Data(), data, sizeof(float) * n);
    return a;
}

} // namespace ifl_addon
