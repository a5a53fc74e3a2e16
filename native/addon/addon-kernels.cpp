// addon-kernels.cpp — test-only exports of the CPU kernels under binding._testing.kernels:
// reference and fast dequantization, vec_dot and matmul per variant and numerics, the 8-bit
// activation quantizers, get_row, fp16 conversions. Every input is copied into owned buffers first.
#include <cmath>
#include <cstring>
#include <vector>

#include "addon-typed.h"
#include "addon-util.h"
#include "cpu/ifl-fp16.h"
#include "cpu/ifl-kernels.h"
#include "cpu/ifl-matmul.h"
#include "cpu/ifl-qact.h"
#include "cpu/ifl-quants.h"
#include "ifl-threadpool.h"

namespace {

using namespace ifl_addon;

// (typeId, bytes, n) -> checked traits, with bytes holding at least n_rows rows of n elements.
const ifl::ggml_type_traits & weight_arg(const Napi::CallbackInfo & info, size_t i, int64_t n, int64_t n_rows,
                                         std::vector<uint8_t> & bytes) {
    const int64_t id = arg_int(info, i, "typeId");
    const ifl::ggml_type_traits * tr = id >= 0 && id < 1024 ? ifl::ggml_type_get_traits((uint32_t)id) : nullptr;
    if (!tr || !ifl::quants_type_supported((ifl::ggml_type)id)) throw make_type_error(info.Env(), "typeId is not a supported GGML type");
    if (n < 0 || n % tr->block_size != 0) throw make_type_error(info.Env(), "n must be a multiple of the type's block size");
    bytes = arg_bytes(info, i + 1, "bytes");
    if (bytes.size() < ifl::ggml_row_size(*tr, n) * (size_t)n_rows) throw make_type_error(info.Env(), "bytes is too short for the shape");
    return *tr;
}

ifl::kernel_variant variant_arg(const Napi::CallbackInfo & info, size_t i) {
    const std::string v = arg_string(info, i, "variant");
    if (v == "ref") return ifl::kernel_variant::ref;
    if (v == "avx2") return ifl::kernel_variant::avx2;
    if (v == "avx512") return ifl::kernel_variant::avx512;
    if (v == "avx512-emu") return ifl::kernel_variant::avx512_emulated;
    throw make_type_error(info.Env(), "variant must be 'ref', 'avx2', 'avx512' or 'avx512-emu'");
}

// 'exact' (also when absent) or 'fast'.
ifl::numerics numerics_value(Napi::Env env, const Napi::Value & v) {
    if (v.IsUndefined()) return ifl::numerics::exact;
    const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
    if (s == "exact") return ifl::numerics::exact;
    if (s == "fast") return ifl::numerics::fast;
    throw make_type_error(env, "numerics must be 'exact' or 'fast'");
}

Napi::Value variants(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        Napi::Array out = Napi::Array::New(info.Env());
        uint32_t k = 0;
        for (auto v : {ifl::kernel_variant::ref, ifl::kernel_variant::avx2, ifl::kernel_variant::avx512,
                       ifl::kernel_variant::avx512_emulated})
            if (ifl::kernels_variant_available(v)) out.Set(k++, ifl::kernel_variant_name(v));
        return out;
    });
}

Napi::Value lanes(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        return Napi::Number::New(info.Env(), ifl::kernel_variant_lanes(variant_arg(info, 0)));
    });
}

template <bool Fast>
Napi::Value dequantize_row(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        std::vector<uint8_t> bytes;
        const int64_t n = arg_int(info, 2, "n");
        const ifl::ggml_type_traits & tr = weight_arg(info, 0, n, 1, bytes);
        (void)tr;
        std::vector<float> out((size_t)n);
        const auto t = (ifl::ggml_type)arg_int(info, 0, "typeId");
        if (Fast) ifl::dequantize_row(t, bytes.data(), out.data(), n);
        else ifl::dequantize_row_ref(t, bytes.data(), out.data(), n);
        return make_f32(info.Env(), out);
    });
}

Napi::Value vec_dot(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const ifl::kernel_variant v = variant_arg(info, 0);
        const std::vector<float> x = arg_f32(info, 3, "x");
        std::vector<uint8_t> bytes;
        weight_arg(info, 1, (int64_t)x.size(), 1, bytes);
        const auto t = (ifl::ggml_type)arg_int(info, 1, "typeId");
        const ifl::numerics num = numerics_value(info.Env(), info.Length() > 4 ? info[4] : info.Env().Undefined());
        return Napi::Number::New(info.Env(), ifl::vec_dot_variant(v, t, (int64_t)x.size(), bytes.data(), x.data(), num));
    });
}

// matmul(variant, typeId, bytes, nIn, nOut, x, nTokens, threads, {xStride, yStride}?)
Napi::Value matmul(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const ifl::kernel_variant v = variant_arg(info, 0);
        const int64_t n_in = arg_int(info, 3, "nIn"), n_out = arg_int(info, 4, "nOut");
        const int64_t n_tokens = arg_int(info, 6, "nTokens"), threads = arg_int(info, 7, "threads");
        if (n_out < 0 || n_tokens < 0 || threads < 1 || threads > 256) throw make_type_error(info.Env(), "bad nOut, nTokens or threads");
        int64_t xs = n_in, ys = n_out;
        ifl::numerics num = ifl::numerics::exact;
        if (info.Length() > 8 && info[8].IsObject()) {
            xs = (int64_t)opt_number(info[8].As<Napi::Object>(), "xStride", (double)n_in);
            ys = (int64_t)opt_number(info[8].As<Napi::Object>(), "yStride", (double)n_out);
            num = numerics_value(info.Env(), info[8].As<Napi::Object>().Get("numerics"));
        }
        std::vector<uint8_t> bytes;
        const ifl::ggml_type_traits & tr = weight_arg(info, 1, n_in, n_out, bytes);
        const std::vector<float> x = arg_f32(info, 5, "x");
        if (xs < n_in || ys < n_out || (n_tokens > 0 && x.size() < (size_t)((n_tokens - 1) * xs + n_in)))
            throw make_type_error(info.Env(), "x is too short for nTokens x nIn (or a stride is too small)");
        const ifl::weight_view w{(ifl::ggml_type)arg_int(info, 1, "typeId"), bytes.data(), n_in, n_out, ifl::ggml_row_size(tr, n_in)};
        std::vector<float> y((size_t)(n_tokens * ys), std::nanf(""));  // padding stays NaN
        ifl::thread_pool pool((int)threads);
        ifl::matmul_variant(v, w, x.data(), n_tokens, y.data(), pool, num, xs, ys);
        return make_f32(info.Env(), y);
    });
}

// quantizeRow(kind, x): llama.cpp's Q8_0 / Q8_1 / Q8_K blocks of x (x.length a multiple of the
// block size), as bytes in the ggml block layouts.
Napi::Value quantize_row(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const std::string kind = arg_string(info, 0, "kind");
        const std::vector<float> x = arg_f32(info, 1, "x");
        const int64_t n = (int64_t)x.size(), block = kind == "q8_K" ? ifl::QK_K : 32;
        if (kind != "q8_0" && kind != "q8_1" && kind != "q8_K") throw make_type_error(info.Env(), "kind must be 'q8_0', 'q8_1' or 'q8_K'");
        if (n % block != 0) throw make_type_error(info.Env(), "x.length must be a multiple of the block size");
        const size_t bsize = kind == "q8_0" ? sizeof(ifl::block_q8_0) : kind == "q8_1" ? sizeof(ifl::block_q8_1) : sizeof(ifl::block_q8_k);
        std::vector<uint8_t> out((size_t)(n / block) * bsize);
        if (kind == "q8_0") ifl::quantize_row_q8_0(x.data(), reinterpret_cast<ifl::block_q8_0 *>(out.data()), n);
        else if (kind == "q8_1") ifl::quantize_row_q8_1(x.data(), reinterpret_cast<ifl::block_q8_1 *>(out.data()), n);
        else ifl::quantize_row_q8_k(x.data(), reinterpret_cast<ifl::block_q8_k *>(out.data()), n);
        return make_u8(info.Env(), out);
    });
}

// getRow(typeId, bytes, nIn, nOut, row)
Napi::Value get_row(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const int64_t n_in = arg_int(info, 2, "nIn"), n_out = arg_int(info, 3, "nOut");
        if (n_out < 0) throw make_type_error(info.Env(), "bad nOut");
        std::vector<uint8_t> bytes;
        const ifl::ggml_type_traits & tr = weight_arg(info, 0, n_in, n_out, bytes);
        const ifl::weight_view w{(ifl::ggml_type)arg_int(info, 0, "typeId"), bytes.data(), n_in, n_out, ifl::ggml_row_size(tr, n_in)};
        std::vector<float> out((size_t)n_in);
        ifl::get_row(w, arg_int(info, 4, "row"), out.data());
        return make_f32(info.Env(), out);
    });
}

bool f16c_arg(const Napi::CallbackInfo & info, size_t i) {
    const std::string impl = arg_string(info, i, "impl");
    if (impl != "scalar" && impl != "f16c") throw make_type_error(info.Env(), "impl must be 'scalar' or 'f16c'");
    return impl == "f16c";
}

Napi::Value f16_to_f32(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const std::vector<uint16_t> h = arg_u16(info, 0, "bits");
        const bool f16c = f16c_arg(info, 1);
        std::vector<float> out(h.size());
        for (size_t i = 0; i < h.size(); ++i) out[i] = f16c ? ifl::fp16_to_f32(h[i]) : ifl::fp16_to_f32_scalar(h[i]);
        return make_f32(info.Env(), out);
    });
}

Napi::Value f32_to_f16(const Napi::CallbackInfo & info) {
    return guard(info.Env(), [&]() -> Napi::Value {
        const std::vector<float> x = arg_f32(info, 0, "x");
        const bool f16c = f16c_arg(info, 1);
        std::vector<uint16_t> out(x.size());
        for (size_t i = 0; i < x.size(); ++i) out[i] = f16c ? ifl::f32_to_fp16(x[i]) : ifl::f32_to_fp16_scalar(x[i]);
        return make_u16(info.Env(), out);
    });
}

void register_kernels(Napi::Env env, Napi::Object exports) {
    Napi::Object k = Napi::Object::New(env);
    k.Set("variants", Napi::Function::New(env, variants, "variants"));
    k.Set("lanes", Napi::Function::New(env, lanes, "lanes"));
    k.Set("dequantizeRow", Napi::Function::New(env, dequantize_row<false>, "dequantizeRow"));
    k.Set("dequantizeRowFast", Napi::Function::New(env, dequantize_row<true>, "dequantizeRowFast"));
    k.Set("vecDot", Napi::Function::New(env, vec_dot, "vecDot"));
    k.Set("matmul", Napi::Function::New(env, matmul, "matmul"));
    k.Set("getRow", Napi::Function::New(env, get_row, "getRow"));
    k.Set("quantizeRow", Napi::Function::New(env, quantize_row, "quantizeRow"));
    k.Set("f16ToF32", Napi::Function::New(env, f16_to_f32, "f16ToF32"));
    k.Set("f32ToF16", Napi::Function::New(env, f32_to_f16, "f32ToF16"));
    testing_object(env, exports).Set("kernels", k);
}

} // namespace

IFL_ADDON_REGISTER(kernels, register_kernels);
