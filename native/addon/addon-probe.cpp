// addon-probe.cpp — binding.probe: machine measurements and a matmul timer for `npm run bench`.
// These run synchronously on the calling thread plus a pool made for the call.
#include <chrono>
#include <vector>

#include "addon-typed.h"
#include "addon-util.h"
#include "cpu/ifl-matmul.h"
#include "cpu/ifl-quants.h"
#include "ifl-probe.h"
#include "ifl-threadpool.h"

namespace {

using namespace ifl_addon;

int threads_arg(const Napi::CallbackInfo & info, size_t i) {
    const int64_t t = arg_int(info, i, "threads");
    if (t < 1 || t > 256) throw make_type_error(info.Env(), "threads must be in 1..256");
    return (int)t;
}

Napi::Value read_bandwidth(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const int64_t bytes = arg_int(info, 0, "bytes");
        if (bytes < 0) throw make_type_error(info.Env(), "bytes must be >= 0");
        ifl::thread_pool pool(threads_arg(info, 1));
        return Napi::Number::New(info.Env(), ifl::measure_read_bandwidth((size_t)bytes, pool));
    });
}

Napi::Value fma_peak(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        ifl::thread_pool pool(threads_arg(info, 0));
        return Napi::Number::New(info.Env(), ifl::measure_fma_peak(pool));
    });
}

// matmulSeconds(typeId, bytes, nIn, nOut, nTokens, threads, reps, copies = 1, numerics = 'exact'):
// best wall time of `reps` calls of ifl::matmul (best variant, activations varying in [-1, 1],
// the given numerics) after one warm-up call. `bytes`
// holds `copies` consecutive weight matrices and call r uses copy r % copies, so that a set of
// copies larger than the last-level cache makes every call stream its weights from memory.
Napi::Value matmul_seconds(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const int64_t id = arg_int(info, 0, "typeId");
        const ifl::ggml_type_traits * tr = id >= 0 && id < 1024 ? ifl::ggml_type_get_traits((uint32_t)id) : nullptr;
        if (!tr || !ifl::quants_type_supported((ifl::ggml_type)id)) throw make_type_error(info.Env(), "unsupported typeId");
        const std::vector<uint8_t> bytes = arg_bytes(info, 1, "bytes");
        const int64_t n_in = arg_int(info, 2, "nIn"), n_out = arg_int(info, 3, "nOut"), n_tokens = arg_int(info, 4, "nTokens");
        const int64_t reps = arg_int(info, 6, "reps");
        const int64_t copies = info.Length() > 7 && !info[7].IsUndefined() ? arg_int(info, 7, "copies") : 1;
        const std::string nums = info.Length() > 8 && !info[8].IsUndefined() ? arg_string(info, 8, "numerics") : "exact";
        if (nums != "exact" && nums != "fast") throw make_type_error(info.Env(), "numerics must be 'exact' or 'fast'");
        const ifl::numerics num = nums == "fast" ? ifl::numerics::fast : ifl::numerics::exact;
        if (n_in <= 0 || n_out <= 0 || n_tokens <= 0 || reps < 1 || copies < 1 || n_in % tr->block_size != 0 ||
            bytes.size() < ifl::ggml_row_size(*tr, n_in) * (size_t)n_out * (size_t)copies)
            throw make_type_error(info.Env(), "bad shape, reps, copies or bytes");
        ifl::thread_pool pool(threads_arg(info, 5));
        const size_t matrix_bytes = ifl::ggml_row_size(*tr, n_in) * (size_t)n_out;
        ifl::weight_view w{(ifl::ggml_type)id, bytes.data(), n_in, n_out, ifl::ggml_row_size(*tr, n_in)};
        std::vector<float> x((size_t)(n_in * n_tokens)), y((size_t)(n_out * n_tokens));
        for (size_t i = 0; i < x.size(); ++i) x[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
        double best = 1e30;
        for (int64_t r = 0; r <= reps; ++r) {
            w.data = bytes.data() + (size_t)(r % copies) * matrix_bytes;
            const auto t0 = std::chrono::steady_clock::now();
            ifl::matmul(w, x.data(), n_tokens, y.data(), pool, num);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (r > 0 && s < best) best = s;
        }
        return Napi::Number::New(info.Env(), best);
    });
}

void register_probe(Napi::Env env, Napi::Object exports) {
    Napi::Object p = Napi::Object::New(env);
    p.Set("readBandwidth", Napi::Function::New(env, read_bandwidth, "readBandwidth"));
    p.Set("fmaPeak", Napi::Function::New(env, fma_peak, "fmaPeak"));
    p.Set("matmulSeconds", Napi::Function::New(env, matmul_seconds, "matmulSeconds"));
    exports.Set("probe", p);
}

} // namespace

IFL_ADDON_REGISTER(probe, register_probe);
