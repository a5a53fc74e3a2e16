// addon-memio.cpp — NativeSession.save / verify, NativeModel.openSession, memorySettingsHash and
// binding._testing.memio (save with an injected fault, f16/q8 round trips). Saving and verifying
// mark the session busy like an eval (BUSY for a concurrent eval, dispose or save); the work runs
// in a promise_worker and never touches napi values.
#include "addon-memio.h"

#include <chrono>
#include <thread>

#include "addon-memory-args.h"
#include "addon-wrap.h"
#include "cpu/ifl-kv-convert.h"
#include "ifl-file-io.h"
#include "infllm/ifl-infllm-open.h"
#include "infllm/ifl-infllm-save.h"

namespace ifl_addon {

namespace {


ifl::infllm_memory & infllm_of(session_core & c) {
    auto * m = dynamic_cast<ifl::infllm_memory *>(&c.ctx->memory());
    if (!m) ifl::throw_error(ifl::status::invalid_argument, "saved memories exist for InfLLM sessions only (this session uses full attention)");
    return *m;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

ifl::memory_model_id model_identity(const ifl::model & m) {
    const ifl::model_hparams & hp = m.hparams();
    ifl::memory_model_id id;
    id.fingerprint = m.fingerprint();
    id.architecture = ifl::arch_name(hp.arch);
    id.n_vocab = hp.n_vocab;
    id.layout.n_layer = hp.n_layer;
    id.layout.n_head = hp.n_head;
    id.layout.n_head_kv = hp.n_head_kv;
    id.layout.head_dim = hp.head_dim;
    id.layout.rope = hp.rope;
    return id;
}

Napi::Promise session_save(Napi::Env env, const Napi::Object & session, session_core & core, std::string dir,
                           std::function<void(const char *)> hook) {
    infllm_of(core);  // refuse full-attention sessions before going async
    auto res = std::make_shared<ifl::save_result>();
    auto ms = std::make_shared<double>(0);
    session_core * c = &core;
    return start_session_job(
        env, session, core, "save", k_session_job_busy,
        [c, dir, hook, res, ms] {
            const auto t0 = std::chrono::steady_clock::now();
            ifl::save_options opt;
            opt.engine_version = k_native_version;
            opt.hook = hook;
            *res = ifl::infllm_save(infllm_of(*c), model_identity(*c->ms->model), c->history.data(), (int64_t)c->history.size(),
                                    dir, opt);
            *ms = ms_since(t0);
        },
        [res, ms](Napi::Env e) -> Napi::Value {
            Napi::Object o = Napi::Object::New(e);
            o.Set("dir", res->dir);
            o.Set("bytes", (double)res->bytes);
            o.Set("files", (double)res->files);
            o.Set("linkedFiles", (double)res->linked_files);
            o.Set("settingsHash", res->settings_hash);
            o.Set("nTokens", (double)res->n_tokens);
            o.Set("nBlocks", (double)res->n_blocks);
            o.Set("ms", *ms);
            return o;
        });
}

Napi::Promise session_verify(Napi::Env env, const Napi::Object & session, session_core & core) {
    infllm_of(core);
    auto res = std::make_shared<ifl::verify_result>();
    auto ms = std::make_shared<double>(0);
    session_core * c = &core;
    return start_session_job(
        env, session, core, "verify", k_session_job_busy,
        [c, res, ms] {
            const auto t0 = std::chrono::steady_clock::now();
            *res = ifl::infllm_verify_blocks(infllm_of(*c));
            *ms = ms_since(t0);
        },
        [res, ms](Napi::Env e) -> Napi::Value {
            Napi::Object o = Napi::Object::New(e);
            o.Set("blocks", (double)res->blocks);
            o.Set("bytes", (double)res->bytes);
            o.Set("ms", *ms);
            return o;
        });
}

Napi::Promise model_open_session(Napi::Env env, model_area * area, std::shared_ptr<model_state> ms, std::string dir,
                                 const Napi::Value & options) {
    if (!options.IsObject()) throw make_type_error(env, "openSession options must be an object");
    const Napi::Object o = options.As<Napi::Object>();
    if (opt_string(o, "attention", "") != "infllm") throw make_type_error(env, "openSession: options.attention must be 'infllm'");
    ifl::open_options opt;
    opt.expected = parse_infllm_settings(o.Get("infllm"));
    opt.storage = parse_block_storage(o.Get("infllm"));
    const std::string verify = opt_string(o, "verify", "lazy");
    if (verify != "lazy" && verify != "full") throw make_type_error(env, "openSession: options.verify must be 'lazy' or 'full'");
    opt.verify_all = verify == "full";
    auto holder = std::make_shared<std::unique_ptr<session_core>>();
    return promise_worker::start(
        env, "openSession",
        [ms, dir, opt, holder] {
            ifl::opened_memory om = ifl::infllm_open(dir, model_identity(*ms->model), opt);
            auto core = std::make_unique<session_core>();
            core->n_past.store(om.mem->n_past());
            core->ctx = std::make_unique<ifl::context>(*ms->model, std::move(om.mem));
            core->history = std::move(om.tokens);
            core->ms = ms;
            *holder = std::move(core);
        },
        [area, holder](Napi::Env e) -> Napi::Value { return wrap_session(e, area, std::move(*holder)); });
}

namespace {

ifl::memory_model_id test_identity(const ifl::attn_layout & layout) {
    ifl::memory_model_id id;
    id.fingerprint = "test-memory";
    id.architecture = "test";
    id.n_vocab = 1;
    id.layout = layout;
    return id;
}

} // namespace

ifl::save_result test_memory_save(ifl::infllm_memory & mem, const std::string & dir) {
    const std::vector<int32_t> tokens((size_t)mem.n_past(), 0);
    ifl::save_options opt;
    opt.engine_version = k_native_version;
    return ifl::infllm_save(mem, test_identity(mem.layout()), tokens.data(), (int64_t)tokens.size(), dir, opt);
}

std::unique_ptr<ifl::infllm_memory> test_memory_open(const std::string & dir, const ifl::attn_layout & layout,
                                                     const ifl::open_options & opt) {
    return ifl::infllm_open(dir, test_identity(layout), opt).mem;
}

namespace {

// memorySettingsHash(settings) -> hex SHA-256 of the content settings (NativeInfllmSettings).
Napi::Value settings_hash(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const ifl::infllm_settings s = parse_infllm_settings(info.Length() > 0 ? info[0] : info.Env().Undefined());
        ifl::infllm_validate(s);
        return Napi::String::New(info.Env(), ifl::infllm_settings_hash(s));
    });
}

// _testing.memio.kvRoundTrip(type, data: Float32Array, d) -> data encoded row by row (rows of d) and decoded.
Napi::Value kv_round_trip(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        ifl::kv_type t;
        if (!ifl::kv_type_parse(arg_string(info, 0, "type"), &t)) throw make_type_error(env, "type must be 'f32', 'f16' or 'q8'");
        std::vector<float> x;
        f32_arg(info.Length() > 1 ? info[1] : env.Undefined(), "data", -1, x);
        const int64_t d = arg_int(info, 2, "d");
        if (d < 1 || (int64_t)x.size() % d != 0) throw make_type_error(env, "data length must be a multiple of d >= 1");
        const int64_t rows = (int64_t)x.size() / d;
        std::vector<uint8_t> enc(x.size() * ifl::kv_type_elem_bytes(t));
        std::vector<float> scales((size_t)rows), out(x.size());
        for (int64_t r = 0; r < rows; ++r) {
            const float * src = x.data() + r * d;
            if (t == ifl::kv_type::f32) std::memcpy(enc.data() + r * d * 4, src, (size_t)d * 4);
            else if (t == ifl::kv_type::f16) ifl::kv_encode_f16(src, (int)d, reinterpret_cast<uint16_t *>(enc.data()) + r * d);
            else scales[(size_t)r] = ifl::kv_encode_q8(src, (int)d, reinterpret_cast<int8_t *>(enc.data()) + r * d);
        }
        ifl::kv_decode_rows(t, enc.data(), d, scales.data(), 1, rows, (int)d, out.data());
        return f32_out(env, out.data(), out.size());
    });
}

// _testing.memio.saveWithFault(session, dir, step, mode): session.save(dir) with a fault injected at
// `step` ('blocks' | 'files' | 'manifest'): mode 'throw' fails the save there (IO_ERROR); mode
// 'hang' creates the file `${dir}.hang` and then blocks forever (the test kills the process).
Napi::Value save_with_fault(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    try {
        return guard(env, [&]() -> Napi::Value {
            session_core & c = session_core_of(env, info[0]);
            const std::string dir = arg_string(info, 1, "dir");
            const std::string step = arg_string(info, 2, "step");
            const std::string mode = arg_string(info, 3, "mode");
            if (mode != "throw" && mode != "hang") throw make_type_error(env, "mode must be 'throw' or 'hang'");
            auto hook = [dir, step, mode](const char * at) {
                if (step != at) return;
                if (mode == "throw") ifl::throw_error(ifl::status::io_error, "injected failure at step %s", at);
                ifl::file_writer(dir + ".hang").finish();
                for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(50));
            };
            return session_save(env, info[0].As<Napi::Object>(), c, dir, hook);
        });
    } catch (const Napi::Error & e) {
        Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
        d.Reject(e.Value());
        return d.Promise();
    }
}

void register_memio(Napi::Env env, Napi::Object exports) {
    exports.Set("memorySettingsHash", Napi::Function::New(env, settings_hash, "memorySettingsHash"));
    Napi::Object memio = child_object(env, testing_object(env, exports), "memio");
    memio.Set("kvRoundTrip", Napi::Function::New(env, kv_round_trip, "kvRoundTrip"));
    memio.Set("saveWithFault", Napi::Function::New(env, save_with_fault, "saveWithFault"));
}

} // namespace

} // namespace ifl_addon

IFL_ADDON_REGISTER(memio, ifl_addon::register_memio);
