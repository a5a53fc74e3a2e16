// addon-memory-kernel.cpp — binding._testing.memory.attention(problem): runs the shared CPU
// attention kernel (src/cpu/ifl-attention) on caller-built stages, for kernel-level tests
// (stage merging, bands, GQA, thread-count determinism, the score side output).
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "addon-memory-args.h"
#include "addon-util.h"
#include "cpu/ifl-attention.h"
#include "cpu/ifl-kv-convert.h"
#include "ifl-threadpool.h"

namespace {

using namespace ifl_addon;

int64_t band_value(const Napi::Object & o, const char * key, double def) {
    const double d = opt_number(o, key, def);
    if (std::isnan(d)) throw make_type_error(o.Env(), std::string("stage.") + key + " must be a number");
    if (d >= (double)ifl::k_attn_band_inf) return ifl::k_attn_band_inf;
    if (d <= -(double)ifl::k_attn_band_inf) return -ifl::k_attn_band_inf;
    if (d != std::floor(d)) throw make_type_error(o.Env(), std::string("stage.") + key + " must be an integer");
    return (int64_t)d;
}

struct stage_data {
    std::vector<float>   q, k, v, score;
    std::vector<uint8_t> kq, vq;  // typed stages: encoded k / v (same element indices)
    std::vector<float>   ks, vs;  // q8: scale of key j, kv head h at j * n_head_kv + h
};

// Encodes the stage's f32 keys/values row by row (key j of kv head h) into its element type.
void encode_stage(ifl::kv_type t, int n_head_kv, int d, stage_data & data, ifl::attn_stage & st) {
    const size_t eb = ifl::kv_type_elem_bytes(t);
    data.kq.assign(data.k.size() * eb, 0);
    data.vq.assign(data.v.size() * eb, 0);
    data.ks.assign((size_t)(st.n_keys * n_head_kv), 0.0f);
    data.vs.assign(data.ks.size(), 0.0f);
    for (int64_t j = 0; j < st.n_keys; ++j)
        for (int h = 0; h < n_head_kv; ++h) {
            const int64_t e = j * st.kv_row_stride + h * st.kv_head_stride, r = j * n_head_kv + h;
            if (t == ifl::kv_type::f16) {
                ifl::kv_encode_f16(data.k.data() + e, d, reinterpret_cast<uint16_t *>(data.kq.data()) + e);
                ifl::kv_encode_f16(data.v.data() + e, d, reinterpret_cast<uint16_t *>(data.vq.data()) + e);
            } else {
                data.ks[(size_t)r] = ifl::kv_encode_q8(data.k.data() + e, d, reinterpret_cast<int8_t *>(data.kq.data()) + e);
                data.vs[(size_t)r] = ifl::kv_encode_q8(data.v.data() + e, d, reinterpret_cast<int8_t *>(data.vq.data()) + e);
            }
        }
    st.kv = t;
    st.k = data.kq.data();
    st.v = data.vq.data();
    if (t == ifl::kv_type::q8) {
        st.k_scale = data.ks.data();
        st.v_scale = data.vs.data();
        st.scale_row_stride = n_head_kv;
        st.scale_head_stride = 1;
    }
}

// Parses one stage; pointers of `st` refer into `data`.
void parse_stage(const Napi::Object & o, int n_q, int n_head, int n_head_kv, int d, stage_data & data,
                 ifl::attn_stage & st) {
    st.n_keys = opt_int_in(o, "nKeys", -1, 0, int64_t(1) << 40);
    st.kv_row_stride = opt_int_in(o, "kvRowStride", (int64_t)n_head_kv * d, 0, int64_t(1) << 40);
    st.kv_head_stride = opt_int_in(o, "kvHeadStride", d, 0, int64_t(1) << 40);
    f32_arg(o.Get("q"), "stage.q", (int64_t)n_q * n_head * d, data.q);
    f32_arg(o.Get("k"), "stage.k", -1, data.k);
    f32_arg(o.Get("v"), "stage.v", (int64_t)data.k.size(), data.v);
    const int64_t need = st.n_keys == 0 ? 0 : (st.n_keys - 1) * st.kv_row_stride + (int64_t)(n_head_kv - 1) * st.kv_head_stride + d;
    if ((int64_t)data.k.size() < need)
        throw make_type_error(o.Env(), "stage.k/v are shorter than nKeys and the strides require (" + std::to_string(need) + ")");
    st.band.q_pos0 = band_value(o, "qPos0", 0);
    st.band.k_pos0 = band_value(o, "kPos0", 0);
    st.band.d_min = band_value(o, "dMin", -INFINITY);
    st.band.d_max = band_value(o, "dMax", INFINITY);
    st.q = data.q.data();
    st.k = data.k.data();
    st.v = data.v.data();
    ifl::kv_type t = ifl::kv_type::f32;
    if (!ifl::kv_type_parse(opt_string(o, "kvType", "f32"), &t)) throw make_type_error(o.Env(), "stage.kvType must be 'f32', 'f16' or 'q8'");
    if (t != ifl::kv_type::f32) encode_stage(t, n_head_kv, d, data, st);
    if (opt_bool(o, "score", false)) {
        data.score.assign((size_t)(n_head * st.n_keys), 0.0f);
        st.score = data.score.data();
        st.score_head_stride = st.n_keys;  // scores returned as [n_head, n_keys]
        st.score_key_stride = 1;
    }
}

// attention({ nQ, nHead, nHeadKv, headDim, scale = 1/sqrt(headDim), nThreads = 1, keepLogits = true, stages: [...] })
//   stage: { q [nQ, nHead, headDim], k, v, nKeys, kvRowStride = nHeadKv*headDim, kvHeadStride = headDim,
//            qPos0 = 0, kPos0 = 0, dMin = -Infinity, dMax = Infinity, score = false, kvType = 'f32' }
//   (kvType f16/q8: k and v are encoded row by row, i.e. per key and kv head, before the kernel runs)
// -> { out [nQ, nHead, headDim], scores: (Float32Array [nHead, nKeys] | null)[] }
Napi::Value attention(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        Napi::Env env = info.Env();
        const Napi::Object o = arg_object(info, 0, "problem");
        ifl::attn_problem p;
        p.n_q = (int)opt_int_in(o, "nQ", -1, 0, 1 << 20);
        p.n_head = (int)opt_int_in(o, "nHead", -1, 1, 1024);
        p.n_head_kv = (int)opt_int_in(o, "nHeadKv", -1, 1, 1024);
        p.head_dim = (int)opt_int_in(o, "headDim", -1, 1, 1024);
        p.scale = (float)opt_number(o, "scale", 1.0 / std::sqrt((double)p.head_dim));
        const int n_threads = (int)opt_int_in(o, "nThreads", 1, 1, 256);
        p.keep_logits = opt_bool(o, "keepLogits", true);
        const Napi::Value sv = o.Get("stages");
        if (!sv.IsArray()) throw make_type_error(env, "problem.stages must be an array");
        const Napi::Array arr = sv.As<Napi::Array>();
        std::vector<stage_data> data(arr.Length());
        std::vector<ifl::attn_stage> stages(arr.Length());
        for (uint32_t i = 0; i < arr.Length(); ++i) {
            const Napi::Value si = arr.Get(i);
            if (!si.IsObject()) throw make_type_error(env, "problem.stages[i] must be an object");
            parse_stage(si.As<Napi::Object>(), p.n_q, p.n_head, p.n_head_kv, p.head_dim, data[i], stages[i]);
        }
        std::vector<float> out((size_t)p.n_q * p.n_head * p.head_dim);
        p.stages = stages.data();
        p.n_stages = (int)stages.size();
        p.out = out.data();
        ifl::attn_workspace ws;
        ifl::thread_pool pool(n_threads);
        ifl::attention_forward(p, ws, pool);
        Napi::Object res = Napi::Object::New(env);
        res.Set("out", f32_out(env, out.data(), out.size()));
        Napi::Array scores = Napi::Array::New(env, stages.size());
        for (uint32_t i = 0; i < stages.size(); ++i)
            scores.Set(i, stages[i].score ? Napi::Value(f32_out(env, data[i].score.data(), data[i].score.size()))
                                          : env.Null());
        res.Set("scores", scores);
        return res;
    });
}

void register_kernel(Napi::Env env, Napi::Object exports) {
    memory_testing_object(env, exports).Set("attention", Napi::Function::New(env, attention, "attention"));
}

} // namespace

IFL_ADDON_REGISTER(memory_kernel, register_kernel);
