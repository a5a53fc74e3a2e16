// addon-util.cpp — error mapping, argument checks, registrar list and promise_worker.
#include "addon-util.h"

#include <new>

namespace ifl_addon {

namespace {
struct entry { const char * name; register_fn fn; };
std::vector<entry> & registry() {
    static std::vector<entry> list;
    return list;
}
} // namespace

registrar::registrar(const char * name, register_fn fn) { registry().push_back({name, fn}); }

void run_registrars(Napi::Env env, Napi::Object exports) {
    for (const auto & e : registry()) e.fn(env, exports);
}

Napi::Error make_error(Napi::Env env, ifl::status code, const std::string & message) {
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, ifl::status_name(code)));
    return err;
}

Napi::Error make_type_error(Napi::Env env, const std::string & message) {
    Napi::TypeError err = Napi::TypeError::New(env, message);
    err.Set("code", Napi::String::New(env, ifl::status_name(ifl::status::invalid_argument)));
    return err;
}

Napi::Object child_object(Napi::Env env, Napi::Object parent, const char * name) {
    Napi::Value v = parent.Get(name);
    if (v.IsObject()) return v.As<Napi::Object>();
    Napi::Object o = Napi::Object::New(env);
    parent.Set(name, o);
    return o;
}

Napi::Object testing_object(Napi::Env env, Napi::Object exports) { return child_object(env, exports, "_testing"); }

static Napi::Value arg_at(const Napi::CallbackInfo & info, size_t i) {
    return i < info.Length() ? info[i] : info.Env().Undefined();
}

std::string arg_string(const Napi::CallbackInfo & info, size_t i, const char * name) {
    Napi::Value v = arg_at(info, i);
    if (!v.IsString()) throw make_type_error(info.Env(), std::string(name) + " must be a string");
    return v.As<Napi::String>().Utf8Value();
}

double arg_number(const Napi::CallbackInfo & info, size_t i, const char * name) {
    Napi::Value v = arg_at(info, i);
    if (!v.IsNumber()) throw make_type_error(info.Env(), std::string(name) + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
}

int64_t arg_int(const Napi::CallbackInfo & info, size_t i, const char * name) {
    const double d = arg_number(info, i, name);
    if (d != (double)(int64_t)d) throw make_type_error(info.Env(), std::string(name) + " must be an integer");
    return (int64_t)d;
}

bool arg_bool(const Napi::CallbackInfo & info, size_t i, const char * name) {
    Napi::Value v = arg_at(info, i);
    if (!v.IsBoolean()) throw make_type_error(info.Env(), std::string(name) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
}

Napi::Object arg_object(const Napi::CallbackInfo & info, size_t i, const char * name) {
    Napi::Value v = arg_at(info, i);
    if (!v.IsObject()) throw make_type_error(info.Env(), std::string(name) + " must be an object");
    return v.As<Napi::Object>();
}

Napi::Function arg_function(const Napi::CallbackInfo & info, size_t i, const char * name) {
    Napi::Value v = arg_at(info, i);
    if (!v.IsFunction()) throw make_type_error(info.Env(), std::string(name) + " must be a function");
    return v.As<Napi::Function>();
}

double opt_number(const Napi::Object & o, const char * key, double def) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return def;
    if (!v.IsNumber()) throw make_type_error(o.Env(), std::string("option ") + key + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
}

bool opt_bool(const Napi::Object & o, const char * key, bool def) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return def;
    if (!v.IsBoolean()) throw make_type_error(o.Env(), std::string("option ") + key + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
}

std::string opt_string(const Napi::Object & o, const char * key, const std::string & def) {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined() || v.IsNull()) return def;
    if (!v.IsString()) throw make_type_error(o.Env(), std::string("option ") + key + " must be a string");
    return v.As<Napi::String>().Utf8Value();
}

// ---- promise_worker ------------------------------------------------------------------------

promise_worker::promise_worker(Napi::Env env, const char * name, exec_fn exec, done_fn done)
    : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
      exec_(std::move(exec)), done_(std::move(done)) {}

Napi::Promise promise_worker::start(Napi::Env env, const char * name, exec_fn exec, done_fn done,
                                    const std::vector<Napi::Object> & keep_alive, std::function<void()> on_settle) {
    auto * w = new promise_worker(env, name, std::move(exec), std::move(done));
    for (const auto & o : keep_alive) w->keep_alive_.push_back(Napi::Persistent(o));
    w->on_settle_ = std::move(on_settle);
    Napi::Promise p = w->deferred_.Promise();
    w->Queue();
    return p;
}

bool run_captured(const std::function<void()> & fn, ifl::status & code, std::string & message) {
    try {
        fn();
        return true;
    } catch (const ifl::error & e) {
        code = e.code();
        message = e.what();
    } catch (const std::bad_alloc &) {
        code = ifl::status::out_of_memory;
        message = "out of memory";
    } catch (const std::exception & e) {
        code = ifl::status::internal;
        message = std::string("internal error: ") + e.what();
    } catch (...) {
        code = ifl::status::internal;
        message = "internal error: unknown exception";
    }
    return false;
}

void promise_worker::Execute() {
    if (!run_captured(exec_, code_, message_)) SetError(message_);
}

void promise_worker::OnOK() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (on_settle_) on_settle_();
    try {
        deferred_.Resolve(guard(env, [&] { return done_(env); }));
    } catch (const Napi::Error & e) {
        deferred_.Reject(e.Value());
    }
}

void promise_worker::OnError(const Napi::Error &) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (on_settle_) on_settle_();
    deferred_.Reject(make_error(env, code_, message_).Value());
}

} // namespace ifl_addon
