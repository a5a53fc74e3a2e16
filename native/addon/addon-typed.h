// addon-typed.h — typed-array arguments and results for the numeric test/bench exports, and the
// shared `_testing` object (created by whichever area registers first).
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

namespace ifl_addon {

// Copies of a Uint8Array / Float32Array / Uint16Array argument (TypeError naming it otherwise).
std::vector<uint8_t>  arg_bytes(const Napi::CallbackInfo & info, size_t i, const char * name);
std::vector<float>    arg_f32(const Napi::CallbackInfo & info, size_t i, const char * name);
std::vector<uint16_t> arg_u16(const Napi::CallbackInfo & info, size_t i, const char * name);

Napi::Float32Array make_f32(Napi::Env env, const std::vector<float> & v);
Napi::Uint16Array  make_u16(Napi::Env env, const std::vector<uint16_t> & v);
Napi::Uint8Array   make_u8(Napi::Env env, const std::vector<uint8_t> & v);

} // namespace ifl_addon
