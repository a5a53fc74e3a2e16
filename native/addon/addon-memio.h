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

// ---- addon-session.cpp --------------------------------------------------------------------------
// Wraps a ready core (from openSession) as a NativeSession.
Napi::Value wrap_session(Napi::Env env, model_area * area, std::unique_ptr<session_core> core);

} // namespace ifl_addon
