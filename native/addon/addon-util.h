// addon-util.h — the thin Node-API layer's shared helpers.
// Every exported function body runs inside ifl_addon::guard(), which turns ifl::error and any
// other C++ exception into a JS Error with a stable `code` (never lets one cross into JS).
// Long operations run in a promise_worker: Execute() touches no napi value and reports through
// the same error mapping; owners passed as keep_alive stay referenced until the promise settles.
// Feature files register their exports with IFL_ADDON_REGISTER so no central list is edited.
#pragma once

#include <napi.h>

#include <functional>
#include <string>
#include <vector>

#include "ifl-error.h"

namespace ifl_addon {

// Version of the native engine: buildInfo().version and the engine_version of saved memories.
constexpr const char * k_native_version = "0.1.0";

using register_fn = void (*)(Napi::Env env, Napi::Object exports);

struct registrar {
    registrar(const char * name, register_fn fn);
};

// Register `fn` to add exports at module init. Use once per addon-*.cpp file.
#define IFL_ADDON_REGISTER(name, fn) static ::ifl_addon::registrar ifl_addon_registrar_##name(#name, fn)

void run_registrars(Napi::Env env, Napi::Object exports);

// JS Error with .code = ifl::status_name(code) and .message = message.
Napi::Error make_error(Napi::Env env, ifl::status code, const std::string & message);
// JS TypeError with .code = "INVALID_ARGUMENT" (misuse of the binding).
Napi::Error make_type_error(Napi::Env env, const std::string & message);

// Run fn (returning Napi::Value), mapping C++ exceptions to JS errors.
template <class F>
Napi::Value guard(Napi::Env env, F && fn) {
    try {
        return fn();
    } catch (const Napi::Error &) {
        throw;
    } catch (const ifl::error & e) {
        throw make_error(env, e.code(), e.what());
    } catch (const std::bad_alloc &) {
        throw make_error(env, ifl::status::out_of_memory, "out of memory");
    } catch (const std::exception & e) {
        throw make_error(env, ifl::status::internal, std::string("internal error: ") + e.what());
    } catch (...) {
        throw make_error(env, ifl::status::internal, "internal error: unknown exception");
    }
}

// ---- export namespaces --------------------------------------------------------------------
// The test-only `_testing` object on the module exports (created on first use).
Napi::Object testing_object(Napi::Env env, Napi::Object exports);
// Child object `name` of `parent` (created on first use).
Napi::Object child_object(Napi::Env env, Napi::Object parent, const char * name);

// ---- argument checks (throw TypeError naming the argument) -------------------------------
std::string     arg_string(const Napi::CallbackInfo & info, size_t i, const char * name);
double          arg_number(const Napi::CallbackInfo & info, size_t i, const char * name);
int64_t         arg_int(const Napi::CallbackInfo & info, size_t i, const char * name);
bool            arg_bool(const Napi::CallbackInfo & info, size_t i, const char * name);
Napi::Object    arg_object(const Napi::CallbackInfo & info, size_t i, const char * name);
Napi::Function  arg_function(const Napi::CallbackInfo & info, size_t i, const char * name);
// Optional property of an options object; returns `def` when absent or undefined.
double          opt_number(const Napi::Object & o, const char * key, double def);
bool            opt_bool(const Napi::Object & o, const char * key, bool def);
std::string     opt_string(const Napi::Object & o, const char * key, const std::string & def);

// ---- async work --------------------------------------------------------------------------
// Runs fn (on a worker thread), mapping exceptions as guard() does; false (with code and
// message set) when it threw.
bool run_captured(const std::function<void()> & fn, ifl::status & code, std::string & message);

// Runs `exec` on the libuv pool, then `done` on the JS thread to build the resolved value.
// Exceptions from either are mapped like guard(). `keep_alive` objects stay referenced and
// `on_settle` (if any) runs on the JS thread just before the promise settles, either way.
// Returns the promise.
class promise_worker : public Napi::AsyncWorker {
public:
    using exec_fn = std::function<void()>;
    using done_fn = std::function<Napi::Value(Napi::Env)>;

    static Napi::Promise start(Napi::Env env, const char * name, exec_fn exec, done_fn done,
                               const std::vector<Napi::Object> & keep_alive = {},
                               std::function<void()> on_settle = {});

    void Execute() override;
    void OnOK() override;
    void OnError(const Napi::Error & e) override;

private:
    promise_worker(Napi::Env env, const char * name, exec_fn exec, done_fn done);

    Napi::Promise::Deferred           deferred_;
    exec_fn                           exec_;
    done_fn                           done_;
    std::function<void()>             on_settle_;
    ifl::status                       code_ = ifl::status::ok;
    std::string                       message_;
    std::vector<Napi::ObjectReference> keep_alive_;
};

} // namespace ifl_addon
