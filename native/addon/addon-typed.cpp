// addon-typed.cpp — typed-array argument copies and result construction (see addon-typed.h).
#include "addon-typed.h"

#include <cstring>
#include <string>

#include "addon-util.h"

namespace ifl_addon {

namespace {

template <class T, napi_typedarray_type K>
std::vector<T> typed_copy(const Napi::CallbackInfo & info, size_t i, const char * name, const char * js_type) {
    Napi::Value v = i < info.Length() ? info[i] : info.Env().Undefined();
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != K)
        throw make_type_error(info.Env(), std::string(name) + " must be a " + js_type);
    Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
    std::vector<T> out(a.ElementLength());
    if (!out.empty()) std::memcpy(out.data(), a.Data(), out.size() * sizeof(T));
    return out;
}

template <class A, class T>
A make_typed(Napi::Env env, const std::vector<T> & v) {
    A a = A::New(env, v.size());
    if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(T));
    return a;
}

} // namespace

std::vector<uint8_t> arg_bytes(const Napi::CallbackInfo & info, size_t i, const char * name) {
    return typed_copy<uint8_t, napi_uint8_array>(info, i, name, "Uint8Array");
}
std::vector<float> arg_f32(const Napi::CallbackInfo & info, size_t i, const char * name) {
    return typed_copy<float, napi_float32_array>(info, i, name, "Float32Array");
}
std::vector<uint16_t> arg_u16(const Napi::CallbackInfo & info, size_t i, const char * name) {
    return typed_copy<uint16_t, napi_uint16_array>(info, i, name, "Uint16Array");
}

Napi::Float32Array make_f32(Napi::Env env, const std::vector<float> & v) { return make_typed<Napi::Float32Array>(env, v); }
Napi::Uint16Array make_u16(Napi::Env env, const std::vector<uint16_t> & v) { return make_typed<Napi::Uint16Array>(env, v); }
Napi::Uint8Array make_u8(Napi::Env env, const std::vector<uint8_t> & v) { return make_typed<Napi::Uint8Array>(env, v); }


} // namespace ifl_addon
