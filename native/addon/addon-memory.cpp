// addon-memory.cpp — binding._testing.memory: a thin, synchronous test surface over the
// attention memories (full KV cache, InfLLM). create(layout, options) returns a TestMemory whose
// methods map 1:1 onto ifl::attn_memory (beginCall/attend/endCall/rollbackCall/fork/...), plus
// the retrieval records collected since the last takeRetrievals() and InfLLM introspection.
// Inputs are copied (the memory may rotate q/k in place); outputs are fresh Float32Arrays.
#include <memory>
#include <vector>

#include "addon-memio.h"
#include "addon-memory-args.h"
#include "addon-util.h"
#include "ifl-kv-cache.h"
#include "ifl-threadpool.h"
#include "infllm/ifl-infllm-memory.h"

namespace {

using namespace ifl_addon;

class record_sink final : public ifl::retrieval_sink {
public:
    void on_retrieval(const ifl::retrieval_record & r) override { records.push_back(r); }
    std::vector<ifl::retrieval_record> records;
};

// What a fork hands to the constructor through an External.
struct memory_init {
    std::unique_ptr<ifl::attn_memory>  mem;
    std::shared_ptr<ifl::thread_pool>  pool;
    ifl::attn_layout                   layout;
};

class test_memory : public Napi::ObjectWrap<test_memory> {
public:
    static Napi::Function define(Napi::Env env);
    explicit test_memory(const Napi::CallbackInfo & info);

private:
    template <class F>
    Napi::Value run(const Napi::CallbackInfo & info, F && f) { return guard(info.Env(), std::forward<F>(f)); }
    void adopt(memory_init && init);
    const ifl::infllm_memory & infllm(Napi::Env env) const;
    const ifl::infllm_layer & infllm_layer_arg(const Napi::CallbackInfo & info) const;

    Napi::Value begin_call(const Napi::CallbackInfo & info);
    Napi::Value attend(const Napi::CallbackInfo & info);
    Napi::Value end_call(const Napi::CallbackInfo & info);
    Napi::Value rollback_call(const Napi::CallbackInfo & info);
    Napi::Value take_retrievals(const Napi::CallbackInfo & info);
    Napi::Value n_past(const Napi::CallbackInfo & info);
    Napi::Value capacity_left(const Napi::CallbackInfo & info);
    Napi::Value clear(const Napi::CallbackInfo & info);
    Napi::Value fork(const Napi::CallbackInfo & info);
    Napi::Value stats(const Napi::CallbackInfo & info);
    Napi::Value infllm_layer_state(const Napi::CallbackInfo & info);
    Napi::Value infllm_block(const Napi::CallbackInfo & info);
    Napi::Value infllm_reprs(const Napi::CallbackInfo & info);
    Napi::Value infllm_rem_scores(const Napi::CallbackInfo & info);
    Napi::Value infllm_init(const Napi::CallbackInfo & info);
    Napi::Value fill_kv(const Napi::CallbackInfo & info);
    Napi::Value save(const Napi::CallbackInfo & info);

    std::unique_ptr<ifl::attn_memory> mem_;
    std::shared_ptr<ifl::thread_pool> pool_;
    record_sink                       sink_;
    ifl::attn_layout                  layout_;
    int64_t                           call_n_ = 0;  // tokens of the call in progress (0: none)
    std::vector<float>                q_, k_, v_, out_;
};

Napi::Function test_memory::define(Napi::Env env) {
    return DefineClass(env, "TestMemory",
                       {InstanceMethod("beginCall", &test_memory::begin_call),
                        InstanceMethod("attend", &test_memory::attend),
                        InstanceMethod("endCall", &test_memory::end_call),
                        InstanceMethod("rollbackCall", &test_memory::rollback_call),
                        InstanceMethod("takeRetrievals", &test_memory::take_retrievals),
                        InstanceMethod("nPast", &test_memory::n_past),
                        InstanceMethod("capacityLeft", &test_memory::capacity_left),
                        InstanceMethod("clear", &test_memory::clear),
                        InstanceMethod("fork", &test_memory::fork),
                        InstanceMethod("stats", &test_memory::stats),
                        InstanceMethod("infllmLayer", &test_memory::infllm_layer_state),
                        InstanceMethod("infllmBlock", &test_memory::infllm_block),
                        InstanceMethod("infllmReprs", &test_memory::infllm_reprs),
                        InstanceMethod("infllmRemScores", &test_memory::infllm_rem_scores),
                        InstanceMethod("infllmInit", &test_memory::infllm_init),
                        InstanceMethod("fillKv", &test_memory::fill_kv),
                        InstanceMethod("save", &test_memory::save)});
}

// new TestMemory(layout, { kind: 'full' | 'infllm', settings?, capacity? = 0, nThreads? = 1 })
// or new TestMemory(External<memory_init>) from fork().
test_memory::test_memory(const Napi::CallbackInfo & info) : Napi::ObjectWrap<test_memory>(info) {
    Napi::Env env = info.Env();
    guard(env, [&]() -> Napi::Value {
        if (info.Length() == 1 && info[0].IsExternal()) {
            adopt(std::move(*info[0].As<Napi::External<memory_init>>().Data()));
            return env.Undefined();
        }
        const ifl::attn_layout layout = parse_layout(arg_object(info, 0, "layout"));
        const Napi::Object opts = arg_object(info, 1, "options");
        const std::string kind = opt_string(opts, "kind", "");
        const int n_threads = (int)opt_int_in(opts, "nThreads", 1, 1, 256);
        std::unique_ptr<ifl::attn_memory> mem;
        if (kind == "full") {
            mem = std::make_unique<ifl::kv_cache>(layout, opt_int_in(opts, "capacity", 0, 0, int64_t(1) << 40));
        } else if (kind == "infllm" && !opts.Get("open").IsUndefined()) {  // a saved test memory
            ifl::open_options oo;
            oo.expected = parse_infllm_settings(opts.Get("settings"));
            oo.storage = parse_block_storage(opts.Get("settings"));
            oo.verify_all = opt_bool(opts, "verifyAll", false);
            mem = test_memory_open(opt_string(opts, "open", ""), layout, oo);
        } else if (kind == "infllm") {
            mem = std::make_unique<ifl::infllm_memory>(layout, parse_infllm_settings(opts.Get("settings")),
                                                           parse_block_storage(opts.Get("settings")));
        } else {
            throw make_type_error(env, "options.kind must be 'full' or 'infllm'");
        }
        adopt(memory_init{std::move(mem), std::make_shared<ifl::thread_pool>(n_threads), layout});
        return env.Undefined();
    });
}

void test_memory::adopt(memory_init && init) {
    mem_ = std::move(init.mem);
    pool_ = std::move(init.pool);
    layout_ = std::move(init.layout);
    mem_->set_retrieval_sink(&sink_);
}

Napi::Value test_memory::begin_call(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        const int64_t n = arg_int(info, 0, "nTokens");
        mem_->begin_call(n);
        call_n_ = n;
        return info.Env().Undefined();
    });
}

// attend(layer, q [n, nHead, headDim], k [n, nHeadKv, headDim], v [n, nHeadKv, headDim]) -> out
Napi::Value test_memory::attend(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        const int il = (int)arg_int(info, 0, "layer");
        if (call_n_ == 0) throw make_error(info.Env(), ifl::status::invalid_argument, "attend: no call in progress");
        const int64_t d = layout_.head_dim;
        f32_arg(info[1], "q", call_n_ * layout_.n_head * d, q_);
        f32_arg(info[2], "k", call_n_ * layout_.n_head_kv * d, k_);
        f32_arg(info[3], "v", call_n_ * layout_.n_head_kv * d, v_);
        out_.assign(q_.size(), 0.0f);
        mem_->attend(il, q_.data(), k_.data(), v_.data(), out_.data(), *pool_);
        return f32_out(info.Env(), out_.data(), out_.size());
    });
}

Napi::Value test_memory::end_call(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        mem_->end_call();
        call_n_ = 0;
        return info.Env().Undefined();
    });
}

Napi::Value test_memory::rollback_call(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        mem_->rollback_call();
        call_n_ = 0;
        return info.Env().Undefined();
    });
}

Napi::Value test_memory::take_retrievals(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        Napi::Array arr = Napi::Array::New(env, sink_.records.size());
        for (size_t i = 0; i < sink_.records.size(); ++i) {
            const auto & r = sink_.records[i];
            Napi::Object o = Napi::Object::New(env);
            o.Set("layer", r.layer);
            o.Set("qStart", (double)r.q_start);
            o.Set("qLen", r.q_len);
            o.Set("nBlocks", r.n_blocks);
            o.Set("scored", r.scored);
            Napi::Array sel = Napi::Array::New(env, r.selected.size());
            for (size_t j = 0; j < r.selected.size(); ++j) sel.Set((uint32_t)j, r.selected[j]);
            o.Set("selected", sel);
            o.Set("scores", f32_out(env, r.scores.data(), r.scores.size()));
            arr.Set((uint32_t)i, o);
        }
        sink_.records.clear();
        return arr;
    });
}

Napi::Value test_memory::n_past(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), (double)mem_->n_past()); });
}

Napi::Value test_memory::capacity_left(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), (double)mem_->capacity_left()); });
}

Napi::Value test_memory::clear(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        mem_->clear();
        return info.Env().Undefined();
    });
}

Napi::Value test_memory::fork(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        memory_init init{mem_->fork(), pool_, layout_};
        Napi::Function ctor = info.This().As<Napi::Object>().Get("constructor").As<Napi::Function>();
        return ctor.New({Napi::External<memory_init>::New(info.Env(), &init)});
    });
}

Napi::Value test_memory::stats(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        const ifl::memory_stats s = mem_->stats();
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("nTokens", (double)s.n_tokens);
        o.Set("nBlocks", (double)s.n_blocks);
        o.Set("bytesResident", (double)s.bytes_resident);
        o.Set("bytesMapped", (double)s.bytes_mapped);
        return o;
    });
}

const ifl::infllm_memory & test_memory::infllm(Napi::Env env) const {
    const auto * im = dynamic_cast<const ifl::infllm_memory *>(mem_.get());
    if (!im) throw make_type_error(env, "not an InfLLM memory");
    return *im;
}

const ifl::infllm_layer & test_memory::infllm_layer_arg(const Napi::CallbackInfo & info) const {
    const ifl::infllm_memory & im = infllm(info.Env());
    const int64_t il = arg_int(info, 0, "layer");
    if (il < 0 || il >= im.layout().n_layer) throw make_type_error(info.Env(), "layer out of range");
    return im.layer((int)il);
}

// { initLen, nBlocks, remStart, remEnd }
Napi::Value test_memory::infllm_layer_state(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        const ifl::infllm_layer & L = infllm_layer_arg(info);
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("initLen", (double)L.init_len());
        o.Set("nBlocks", (double)L.n_blocks());
        o.Set("remStart", (double)L.rem_start());
        o.Set("remEnd", (double)L.rem_end());
        return o;
    });
}

// infllmBlock(layer, b) -> { begin, end, k, v [nHeadKv, blockSize, headDim] (decoded to f32), kvType, mapped,
//                           scores [nHead, blockSize] (empty unless an f32 RAM block), repr [nHead*headDim] }
Napi::Value test_memory::infllm_block(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        const ifl::infllm_layer & L = infllm_layer_arg(info);
        const int64_t b = arg_int(info, 1, "block");
        if (b < 0 || b >= L.n_blocks()) throw make_type_error(env, "block out of range");
        const ifl::infllm_settings & s = infllm(env).settings();
        const size_t kv = (size_t)layout_.n_head_kv * s.block_size * layout_.head_dim;
        const ifl::kv_block & blk = L.blocks().at(b);
        const ifl::token_range r = ifl::infllm_block_range(s, b);
        Napi::Object o = Napi::Object::New(env);
        o.Set("begin", (double)r.begin);
        o.Set("end", (double)r.end);
        const ifl::kv_block_shape sh{layout_.n_head, layout_.n_head_kv, layout_.head_dim, s.block_size};
        std::vector<float> k(kv), v(kv);
        blk.decode(sh, false, k.data());
        blk.decode(sh, true, v.data());
        o.Set("k", f32_out(env, k.data(), kv));
        o.Set("v", f32_out(env, v.data(), kv));
        o.Set("kvType", ifl::kv_type_name(blk.type()));
        o.Set("mapped", blk.mapped());
        // creation scores are kept for f32 RAM blocks only
        o.Set("scores", blk.scores() ? f32_out(env, blk.scores(), (size_t)layout_.n_head * s.block_size) : f32_out(env, nullptr, 0));
        std::vector<float> repr((size_t)L.reprs().row_len());  // decoded (exactly) from the repr element type
        L.reprs().row_f32(b, repr.data());
        o.Set("repr", f32_out(env, repr.data(), repr.size()));
        return o;
    });
}

// [nBlocks, nHead*headDim]
Napi::Value test_memory::infllm_reprs(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        const ifl::infllm_layer & L = infllm_layer_arg(info);
        const int64_t nb = L.n_blocks(), len = L.reprs().row_len();
        Napi::Float32Array a = Napi::Float32Array::New(info.Env(), (size_t)(nb * len));
        for (int64_t b = 0; b < nb; ++b) L.reprs().row_f32(b, a.Data() + b * len);  // exact decode of f16 rows
        return a;
    });
}

// [remEnd - remStart, nHead]
Napi::Value test_memory::infllm_rem_scores(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        const ifl::infllm_layer & L = infllm_layer_arg(info);
        const size_t n = (size_t)(L.rem_end() - L.rem_start()) * layout_.n_head;
        return f32_out(info.Env(), n ? L.rem_score(L.rem_start()) : nullptr, n);
    });
}

// { k, v } each [nHeadKv, initLen, headDim]
Napi::Value test_memory::infllm_init(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        const ifl::infllm_layer & L = infllm_layer_arg(info);
        const int64_t n_init = infllm(env).settings().n_init, len = L.init_len(), d = layout_.head_dim;
        std::vector<float> k((size_t)(layout_.n_head_kv * len * d)), v(k.size());
        for (int h = 0; h < layout_.n_head_kv; ++h)
            for (int64_t t = 0; t < len; ++t)
                for (int64_t c = 0; c < d; ++c) {
                    k[(size_t)((h * len + t) * d + c)] = L.init_k()[(h * n_init + t) * d + c];
                    v[(size_t)((h * len + t) * d + c)] = L.init_v()[(h * n_init + t) * d + c];
                }
        Napi::Object o = Napi::Object::New(env);
        o.Set("k", f32_out(env, k.data(), k.size()));
        o.Set("v", f32_out(env, v.data(), v.size()));
        return o;
    });
}

// fillKv(k, v [n, nHeadKv, headDim]): n tokens into every layer without attention (benchmarks).
Napi::Value test_memory::fill_kv(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        std::vector<float> k, v;
        f32_arg(info[0], "k", -1, k);
        const int64_t row = (int64_t)layout_.n_head_kv * layout_.head_dim;
        if (k.empty() || (int64_t)k.size() % row != 0) throw make_type_error(info.Env(), "k must hold whole [nHeadKv, headDim] rows");
        f32_arg(info[1], "v", (int64_t)k.size(), v);
        mem_->append_kv_only((int64_t)k.size() / row, k.data(), v.data());
        return info.Env().Undefined();
    });
}

// save(dir) -> { bytes, files, linkedFiles, ms } (synchronous; test identity)
Napi::Value test_memory::save(const Napi::CallbackInfo & info) {
    return run(info, [&]() -> Napi::Value {
        auto * m = dynamic_cast<ifl::infllm_memory *>(mem_.get());
        if (!m) throw make_type_error(info.Env(), "not an InfLLM memory");
        const ifl::save_result r = test_memory_save(*m, arg_string(info, 0, "dir"));
        Napi::Object o = Napi::Object::New(info.Env());
        o.Set("bytes", (double)r.bytes);
        o.Set("files", (double)r.files);
        o.Set("linkedFiles", (double)r.linked_files);
        return o;
    });
}

Napi::Value create(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const auto * ctor = static_cast<const Napi::FunctionReference *>(info.Data());
        return ctor->New({info[0], info[1]});
    });
}

// infllmBlockRange(settings, b) -> [begin, end)
Napi::Value block_range(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const ifl::infllm_settings s = parse_infllm_settings(info[0]);
        const ifl::token_range r = ifl::infllm_block_range(s, arg_int(info, 1, "block"));
        Napi::Array a = Napi::Array::New(info.Env(), 2);
        a.Set(0u, (double)r.begin);
        a.Set(1u, (double)r.end);
        return a;
    });
}

Napi::Value infllm_defaults(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value { return infllm_settings_to_js(info.Env(), ifl::infllm_settings{}); });
}

void register_memory(Napi::Env env, Napi::Object exports) {
    Napi::Object ns = memory_testing_object(env, exports);
    auto * ctor = new Napi::FunctionReference(Napi::Persistent(test_memory::define(env)));
    env.AddCleanupHook([ctor] { delete ctor; });
    ns.Set("create", Napi::Function::New(env, create, "create", ctor));
    ns.Set("infllmBlockRange", Napi::Function::New(env, block_range, "infllmBlockRange"));
    ns.Set("infllmDefaults", Napi::Function::New(env, infllm_defaults, "infllmDefaults"));
}

} // namespace

IFL_ADDON_REGISTER(memory, register_memory);
