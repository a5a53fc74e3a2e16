// addon.cpp — module init for infllm.node: runs every IFL_ADDON_REGISTER'd feature file and
// exports buildInfo() (versions, CPU features, CUDA status).
#include "addon-util.h"
#include "ifl-cpu-features.h"
#include "ifl-cuda.h"

namespace {

Napi::Value build_info(const Napi::CallbackInfo & info) {
    return ifl_addon::guard(info.Env(), [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        Napi::Object out = Napi::Object::New(env);
        out.Set("version", ifl_addon::k_native_version);
        const ifl::cpu_features & f = ifl::cpu_get_features();
        Napi::Object cpu = Napi::Object::New(env);
        cpu.Set("avx2", f.avx2);
        cpu.Set("fma", f.fma);
        cpu.Set("f16c", f.f16c);
        cpu.Set("avx512", f.avx512());
        cpu.Set("avx512vnni", f.avx512_vnni);
        cpu.Set("avx512bf16", f.avx512_bf16);
        cpu.Set("baseline", f.baseline());
        cpu.Set("physicalCores", ifl::cpu_physical_cores());
        out.Set("cpu", cpu);
        const ifl::cuda_info c = ifl::cuda_get_info();
        Napi::Object cuda = Napi::Object::New(env);
        cuda.Set("compiled", c.compiled);
        cuda.Set("deviceCount", c.device_count);
        cuda.Set("status", c.status);
        cuda.Set("deviceName", c.device_name);
        out.Set("cuda", cuda);
        return out;
    });
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
    exports.Set("buildInfo", Napi::Function::New(env, build_info, "buildInfo"));
    ifl_addon::run_registrars(env, exports);
    return exports;
}

} // namespace

NODE_API_MODULE(infllm, init)
