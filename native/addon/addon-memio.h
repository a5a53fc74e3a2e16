// addon-memio.h — saved memories at the binding: NativeSession.save / verify and
// NativeModel.openSession (engine/binding/ModelBinding.ts), run in promise workers.
#pragma once

#include <napi.h>

#include <functional>
#include <memory>
#include <string>

#include "addon-model.h"
#include "addon-session.h"
#include "infllm/ifl-infllm-manifest.h"
#include "infllm/ifl-infllm-open.h"
#include "infllm/ifl-infllm-save.h"

namespace ifl_addon {

// The identity a saved memory records for `m`.
ifl::memory_model_id model_identity(const ifl::model & m);

// session.save(dir): marks the session busy while the worker writes. `hook`: tests only.
Napi::Promise session_save(Napi::Env env, const Napi::Object & session, session_core & core, std::string dir,
                           std::function<void(const char *)> hook);
// session.verify(): checks every not yet verified block of an opened memory.
Napi::Promise session_verify(Napi::Env env, const Napi::Object & session, session_core & core);
// model.openSession(dir, options) -> Promise<NativeSession>.
Napi::Promise model_open_session(Napi::Env env, model_area * area, std::shared_ptr<model_state> ms, std::string dir,
                                 const Napi::Value & options);

// ---- test memories (binding._testing.memory, addon-memory.cpp) -----------------------------------
// Saves / opens an InfLLM test memory under a fixed test identity (fingerprint "test-memory",
// token history all 0): benchmarks and tests of the format without a model.
ifl::save_result test_memory_save(ifl::infllm_memory & mem, const std::string & dir);
std::unique_ptr<ifl::infllm_memory> test_memory_open(const std::string & dir, const ifl::attn_layout & layout,
                                                     const ifl::open_options & opt);

// ---- addon-session.cpp --------------------------------------------------------------------------
// Wraps a ready core (from openSession) as a NativeSession.
Napi::Value wrap_session(Napi::Env env, model_area * area, std::unique_ptr<session_core> core);

} // namespace ifl_addon
