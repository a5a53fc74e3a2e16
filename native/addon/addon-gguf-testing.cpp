// addon-gguf-testing.cpp — test-only exports (binding._testing.gguf) that exercise the C++
// gguf_file API the model loader uses: typed getters with their BAD_METADATA errors, array views
// and tensor_data(). Typed in engine/binding/GgufBinding.ts; never used by services.
#include "addon-util.h"
#include "ifl-gguf.h"

#include <cstring>

namespace {

Napi::Value strings_to_js(Napi::Env env, const std::vector<std::string_view> & v) {
    Napi::Array out = Napi::Array::New(env, v.size());
    for (size_t i = 0; i < v.size(); i++) out.Set((uint32_t)i, Napi::String::New(env, v[i].data(), v[i].size()));
    return out;
}

// get(path, kind, key, def?) → the getter's result.
Napi::Value testing_get(const Napi::CallbackInfo & info) {
    return ifl_addon::guard(info.Env(), [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        const std::string path = ifl_addon::arg_string(info, 0, "path");
        const std::string kind = ifl_addon::arg_string(info, 1, "kind");
        const std::string key = ifl_addon::arg_string(info, 2, "key");
        const bool has_def = info.Length() > 3 && !info[3].IsUndefined();
        const auto f = ifl::gguf_file::open(path);
        if (kind == "u32") return Napi::Number::New(env, has_def ? f->get_u32(key, (uint32_t)ifl_addon::arg_int(info, 3, "def")) : f->get_u32(key));
        if (kind == "i32") return Napi::Number::New(env, has_def ? f->get_i32(key, (int32_t)ifl_addon::arg_int(info, 3, "def")) : f->get_i32(key));
        if (kind == "i64") return Napi::BigInt::New(env, f->get_i64(key));
        if (kind == "u64") return Napi::BigInt::New(env, f->get_u64(key));
        if (kind == "f32") return Napi::Number::New(env, has_def ? f->get_f32(key, (float)ifl_addon::arg_number(info, 3, "def")) : f->get_f32(key));
        if (kind == "bool") return Napi::Boolean::New(env, has_def ? f->get_bool(key, ifl_addon::arg_bool(info, 3, "def")) : f->get_bool(key));
        if (kind == "string") return Napi::String::New(env, has_def ? f->get_string(key, ifl_addon::arg_string(info, 3, "def")) : f->get_string(key));
        if (kind == "intArray") {
            const std::vector<int64_t> v = f->get_int_array(key);
            Napi::Array out = Napi::Array::New(env, v.size());
            for (size_t i = 0; i < v.size(); i++) out.Set((uint32_t)i, Napi::Number::New(env, (double)v[i]));
            return out;
        }
        if (kind == "f32Array") {
            const std::vector<float> v = f->get_f32_array(key);
            Napi::Float32Array out = Napi::Float32Array::New(env, v.size());
            if (!v.empty()) std::memcpy(out.Data(), v.data(), v.size() * sizeof(float));
            return out;
        }
        if (kind == "stringArray") return strings_to_js(env, f->get_array(key, ifl::gguf_type::string).strings());
        if (kind == "nestedStrings") {  // array of arrays of strings
            const std::vector<ifl::gguf_value_view> outer = f->get_array(key, ifl::gguf_type::array).arrays();
            Napi::Array out = Napi::Array::New(env, outer.size());
            for (size_t i = 0; i < outer.size(); i++) out.Set((uint32_t)i, strings_to_js(env, outer[i].strings()));
            return out;
        }
        throw ifl_addon::make_type_error(env, "unknown kind " + kind);
    });
}

// tensorData(path, name) → a copy of the tensor's bytes read through tensor_data().
Napi::Value testing_tensor_data(const Napi::CallbackInfo & info) {
    return ifl_addon::guard(info.Env(), [&]() -> Napi::Value {
        const std::string path = ifl_addon::arg_string(info, 0, "path");
        const std::string name = ifl_addon::arg_string(info, 1, "name");
        const auto f = ifl::gguf_file::open(path);
        const ifl::gguf_tensor_info * t = f->find_tensor(name);
        if (!t) ifl::throw_error(ifl::status::missing_tensor, "no tensor named \"%s\"", name.c_str());
        Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), (size_t)t->n_bytes);
        std::memcpy(out.Data(), f->tensor_data(*t), (size_t)t->n_bytes);
        return out;
    });
}

void register_gguf_testing(Napi::Env env, Napi::Object exports) {
    Napi::Object gguf = Napi::Object::New(env);
    gguf.Set("get", Napi::Function::New(env, testing_get, "get"));
    gguf.Set("tensorData", Napi::Function::New(env, testing_tensor_data, "tensorData"));
    ifl_addon::testing_object(env, exports).Set("gguf", gguf);
}

} // namespace

IFL_ADDON_REGISTER(gguf_testing, register_gguf_testing);
