// addon-memory-args.h — argument translation shared by the memory test surface
// (addon-memory.cpp) and the attention-kernel test export (addon-memory-kernel.cpp).
#pragma once

#include <napi.h>

#include <vector>

#include "ifl-memory.h"
#include "infllm/ifl-infllm-block-file.h"
#include "infllm/ifl-infllm-settings.h"

namespace ifl_addon {

// exports._testing.memory, created on first use (other areas may add siblings to _testing).
Napi::Object memory_testing_object(Napi::Env env, Napi::Object exports);

// Integer option in [lo, hi]; `def` when absent.
int64_t opt_int_in(const Napi::Object & o, const char * key, int64_t def, int64_t lo, int64_t hi);

// { nLayer, nHead, nHeadKv, headDim, ropeBase = 10000, neox = false, nDims = headDim, freqScale = 1 }
ifl::attn_layout parse_layout(const Napi::Object & o);

// NativeInfllmSettings: { nInit, nLocal, blockSize, topk, reprTopk, chunk, cache, compat, kvType }, paper
// defaults for absent keys (kvType 'f16').
ifl::infllm_settings parse_infllm_settings(const Napi::Value & v);
// The storage keys of NativeInfllmSettings: { storage: 'ram' (default) | 'disk', storageDir }.
ifl::block_storage parse_block_storage(const Napi::Value & v);
Napi::Object infllm_settings_to_js(Napi::Env env, const ifl::infllm_settings & s);

// Float32Array argument copied into `out`; its length must equal `expected` (if >= 0).
void f32_arg(const Napi::Value & v, const char * name, int64_t expected, std::vector<float> & out);
Napi::Float32Array f32_out(Napi::Env env, const float * data, size_t n);

} // namespace ifl_addon
