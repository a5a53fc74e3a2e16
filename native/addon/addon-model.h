// addon-model.h — what the model-area addon files (addon-abort, addon-model, addon-session,
// addon-model-testing) share: the per-environment class constructors, the abort flag, and the
// native state a NativeModel and its sessions hold.
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <string>
#include <memory>
#include <mutex>

#include "addon-util.h"

#include "ifl-model.h"
#include "ifl-threadpool.h"

namespace ifl_addon {

// Class constructors of one Node environment (freed by an env cleanup hook).
struct model_area {
    Napi::FunctionReference abort_ctor;
    Napi::FunctionReference model_ctor;
    Napi::FunctionReference session_ctor;
};

// The flag behind a NativeAbort; shared with the native work it cancels.
struct abort_flag {
    std::atomic<bool> aborted{false};
};

// A loaded model and its compute pool. Shared (shared_ptr) by the NativeModel and every session,
// so it lives until the last of them is disposed or collected. The pool serves one eval at a
// time: evals of different sessions of one model take `compute` in turn.
struct model_state {
    std::unique_ptr<ifl::model>       model;
    std::unique_ptr<ifl::thread_pool> pool;
    std::timed_mutex                  compute;
};

// Locks ms.compute, giving up with status::cancelled when `abort` fires while waiting.
std::unique_lock<std::timed_mutex> lock_compute(model_state & ms, const abort_flag * abort);

// ---- addon-abort.cpp ----------------------------------------------------------------------
Napi::Function define_abort_class(Napi::Env env, model_area * area);
Napi::Value    create_abort(const Napi::CallbackInfo & info);  // data: model_area
// Argument i: undefined/null -> nullptr, a NativeAbort -> its flag, anything else -> TypeError.
std::shared_ptr<abort_flag> abort_arg(const Napi::CallbackInfo & info, size_t i);

// ---- addon-session.cpp ----------------------------------------------------------------------
Napi::Function define_session_class(Napi::Env env, model_area * area);
// A new NativeSession over `ms` with NativeSessionOptions `options`.
Napi::Value new_session(Napi::Env env, model_area * area, std::shared_ptr<model_state> ms, const Napi::Value & options);

// ---- addon-model.cpp ----------------------------------------------------------------------
Napi::Function define_model_class(Napi::Env env, model_area * area);
Napi::Value    model_load(const Napi::CallbackInfo & info);  // data: model_area

} // namespace ifl_addon

namespace ifl_addon {
// ---- addon-model-testing.cpp ----------------------------------------------------------------
void register_model_testing(Napi::Env env, Napi::Object exports);
} // namespace ifl_addon
