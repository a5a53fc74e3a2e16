// addon-wrap.h — type-tagged ObjectWraps for the model area (NativeAbort, NativeModel,
// NativeSession). Every prototype method and getter is a plain napi callback that first checks
// the type tag of `this` (so calling a method on a foreign object is a TypeError, never a wrong
// cast), then runs the member inside ifl_addon::guard. Constructors accept only a tagged External
// made by the addon itself, so `new session.constructor()` from JS fails cleanly.
#pragma once

#include <napi.h>

#include <string>

#include "addon-util.h"

namespace ifl_addon {

// T must provide: static const napi_type_tag k_tag; static constexpr const char * k_class.
template <class T>
T * unwrap_tagged(Napi::Env env, const Napi::Value & v, const char * what) {
    if (!v.IsObject() || !v.As<Napi::Object>().CheckTypeTag(&T::k_tag))
        throw make_type_error(env, std::string(what) + " must be a " + T::k_class);
    T * self = Napi::ObjectWrap<T>::Unwrap(v.As<Napi::Object>());
    if (!self) throw make_type_error(env, std::string(what) + " is not an initialised " + T::k_class);
    return self;
}

template <class T, Napi::Value (T::*M)(const Napi::CallbackInfo &)>
napi_value tagged_callback(napi_env raw_env, napi_callback_info raw_info) {
    try {
        Napi::CallbackInfo info(raw_env, raw_info);
        return guard(info.Env(), [&]() -> Napi::Value {
            T * self = unwrap_tagged<T>(info.Env(), info.This(), "this");
            return (self->*M)(info);
        });
    } catch (const Napi::Error & e) {
        e.ThrowAsJavaScriptException();
        return nullptr;
    }
}

// A prototype method `name` running T::M on a tagged `this`.
template <class T, Napi::Value (T::*M)(const Napi::CallbackInfo &)>
Napi::ClassPropertyDescriptor<T> tagged_method(const char * name, void * data = nullptr) {
    napi_property_descriptor d{};
    d.utf8name = name;
    d.method = tagged_callback<T, M>;
    d.attributes = napi_default_method;
    d.data = data;
    return Napi::ClassPropertyDescriptor<T>(d);
}

// A read-only prototype getter `name` running T::M on a tagged `this`.
template <class T, Napi::Value (T::*M)(const Napi::CallbackInfo &)>
Napi::ClassPropertyDescriptor<T> tagged_getter(const char * name, void * data = nullptr) {
    napi_property_descriptor d{};
    d.utf8name = name;
    d.getter = tagged_callback<T, M>;
    d.attributes = napi_configurable;
    d.data = data;
    return Napi::ClassPropertyDescriptor<T>(d);
}

// Tagged External carrying constructor arguments; `tag` identifies the receiving class.
template <class I>
Napi::External<I> make_init(Napi::Env env, I * init, const napi_type_tag & tag) {
    Napi::External<I> e = Napi::External<I>::New(env, init);
    e.TypeTag(&tag);
    return e;
}

template <class I>
I * take_init(const Napi::CallbackInfo & info, const napi_type_tag & tag, const char * cls) {
    if (info.Length() != 1 || !info[0].IsExternal() || !info[0].As<Napi::External<I>>().CheckTypeTag(&tag))
        throw make_type_error(info.Env(), std::string(cls) + " cannot be constructed from JavaScript");
    return info[0].As<Napi::External<I>>().Data();
}

} // namespace ifl_addon
