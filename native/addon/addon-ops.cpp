// addon-ops.cpp — test-only exports of the forward-pass ops under binding._testing.ops. Each
// function copies its inputs and returns new arrays.
#include <vector>

#include "addon-typed.h"
#include "addon-util.h"
#include "cpu/ifl-ops.h"

namespace {

using namespace ifl_addon;

void same_length(const Napi::CallbackInfo & info, size_t a, size_t b) {
    if (a != b) throw make_type_error(info.Env(), "arrays must have the same length");
}

// rmsNorm(x, w | null, eps)
Napi::Value rms_norm(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        std::vector<float> x = arg_f32(info, 0, "x");
        std::vector<float> w;
        const bool has_w = info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined();
        if (has_w) {
            w = arg_f32(info, 1, "w");
            same_length(info, x.size(), w.size());
        }
        const float eps = (float)arg_number(info, 2, "eps");
        ifl::rms_norm(x.data(), has_w ? w.data() : nullptr, (int64_t)x.size(), eps, x.data());  // in place
        return make_f32(info.Env(), x);
    });
}

template <void (*F)(float *, const float *, int64_t)>
Napi::Value binary(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        std::vector<float> a = arg_f32(info, 0, "a");
        const std::vector<float> b = arg_f32(info, 1, "b");
        same_length(info, a.size(), b.size());
        F(a.data(), b.data(), (int64_t)a.size());
        return make_f32(info.Env(), a);
    });
}

Napi::Value scale(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        std::vector<float> x = arg_f32(info, 0, "x");
        ifl::scale_inplace(x.data(), (int64_t)x.size(), (float)arg_number(info, 1, "s"));
        return make_f32(info.Env(), x);
    });
}

Napi::Value silu_mul(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const std::vector<float> g = arg_f32(info, 0, "gate");
        const std::vector<float> u = arg_f32(info, 1, "up");
        same_length(info, g.size(), u.size());
        std::vector<float> out(g.size());
        ifl::silu_mul(g.data(), u.data(), (int64_t)g.size(), out.data());
        return make_f32(info.Env(), out);
    });
}

Napi::Value softmax(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        std::vector<float> x = arg_f32(info, 0, "x");
        ifl::softmax_inplace(x.data(), (int64_t)x.size());
        return make_f32(info.Env(), x);
    });
}

Napi::Value argmax(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const std::vector<float> x = arg_f32(info, 0, "x");
        return Napi::Number::New(info.Env(), (double)ifl::argmax(x.data(), (int64_t)x.size()));
    });
}

Napi::Value exp_f32(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const std::vector<float> x = arg_f32(info, 0, "x");
        std::vector<float> out(x.size());
        ifl::exp_f32(x.data(), (int64_t)x.size(), out.data());
        return make_f32(info.Env(), out);
    });
}

void register_ops(Napi::Env env, Napi::Object exports) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("rmsNorm", Napi::Function::New(env, rms_norm, "rmsNorm"));
    o.Set("add", Napi::Function::New(env, binary<ifl::add_inplace>, "add"));
    o.Set("mul", Napi::Function::New(env, binary<ifl::mul_inplace>, "mul"));
    o.Set("scale", Napi::Function::New(env, scale, "scale"));
    o.Set("siluMul", Napi::Function::New(env, silu_mul, "siluMul"));
    o.Set("softmax", Napi::Function::New(env, softmax, "softmax"));
    o.Set("argmax", Napi::Function::New(env, argmax, "argmax"));
    o.Set("exp", Napi::Function::New(env, exp_f32, "exp"));
    testing_object(env, exports).Set("ops", o);
}

} // namespace

IFL_ADDON_REGISTER(ops, register_ops);
