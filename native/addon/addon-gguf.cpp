// addon-gguf.cpp — ggufRead / ggufReadSync (engine/binding/GgufBinding.ts): parse a GGUF file
// with ifl::gguf_file (off the JS thread for ggufRead) and convert header, metadata and tensor
// table to JS. Integers become numbers when |v| <= 2^53, else BigInt; numeric arrays become typed
// arrays (copied out of the mapping, which is closed when the call returns).
#include "addon-util.h"
#include "ifl-gguf.h"

#include <cstring>
#include <memory>

namespace {

using ifl::gguf_type;
using ifl::gguf_value_view;

constexpr uint64_t k_summary_limit = 64;                        // arrays: 'summary' keeps this many
constexpr uint64_t k_max_safe      = 9007199254740992ull;       // 2^53
constexpr uint64_t k_max_js_string = (1ull << 29) - 24;         // V8's string length limit

struct convert_ctx {
    Napi::Env   env;
    bool        summary;
    std::string key;  // for messages
};

Napi::Value int_to_js(Napi::Env env, uint64_t v) {
    return v <= k_max_safe ? Napi::Value(Napi::Number::New(env, (double)v)) : Napi::Value(Napi::BigInt::New(env, v));
}

Napi::Value int_to_js(Napi::Env env, int64_t v) {
    const bool safe = v >= -(int64_t)k_max_safe && v <= (int64_t)k_max_safe;
    return safe ? Napi::Value(Napi::Number::New(env, (double)v)) : Napi::Value(Napi::BigInt::New(env, v));
}

Napi::Value string_to_js(const convert_ctx & c, const uint8_t * p, uint64_t n) {
    if (n > k_max_js_string) {
        ifl::throw_error(ifl::status::bad_metadata, "metadata key \"%s\": a %llu-byte string is longer than JavaScript allows",
                         c.key.c_str(), (unsigned long long)n);
    }
    // Invalid UTF-8 is kept in the file; V8 decodes it with U+FFFD replacements.
    return Napi::String::New(c.env, (const char *)p, (size_t)n);
}

Napi::Value scalar_to_js(const convert_ctx & c, gguf_type t, const uint8_t * p) {
    const gguf_value_view v{t, t, 1, p, ifl::gguf_type_size(t)};
    switch (t) {
        case gguf_type::u8: return Napi::Number::New(c.env, v.scalar_at<uint8_t>());
        case gguf_type::i8: return Napi::Number::New(c.env, v.scalar_at<int8_t>());
        case gguf_type::u16: return Napi::Number::New(c.env, v.scalar_at<uint16_t>());
        case gguf_type::i16: return Napi::Number::New(c.env, v.scalar_at<int16_t>());
        case gguf_type::u32: return Napi::Number::New(c.env, v.scalar_at<uint32_t>());
        case gguf_type::i32: return Napi::Number::New(c.env, v.scalar_at<int32_t>());
        case gguf_type::f32: return Napi::Number::New(c.env, v.scalar_at<float>());
        case gguf_type::f64: return Napi::Number::New(c.env, v.scalar_at<double>());
        case gguf_type::u64: return int_to_js(c.env, v.scalar_at<uint64_t>());
        case gguf_type::i64: return int_to_js(c.env, v.scalar_at<int64_t>());
        case gguf_type::boolean: return Napi::Boolean::New(c.env, p[0] != 0);
        default: break;
    }
    IFL_ASSERT(false && "not a scalar type");
    return c.env.Undefined();
}

template <class T>
Napi::Value typed_array(const convert_ctx & c, const gguf_value_view & v, uint64_t n) {
    Napi::TypedArrayOf<T> arr = Napi::TypedArrayOf<T>::New(c.env, (size_t)n);
    if (n > 0) std::memcpy(arr.Data(), v.data, (size_t)n * sizeof(T));  // source may be unaligned
    return arr;
}

Napi::Value array_to_js(const convert_ctx & c, const gguf_value_view & v) {
    const uint64_t n = c.summary && v.count > k_summary_limit ? k_summary_limit : v.count;
    switch (v.elem_type) {
        case gguf_type::u8: return typed_array<uint8_t>(c, v, n);
        case gguf_type::i8: return typed_array<int8_t>(c, v, n);
        case gguf_type::u16: return typed_array<uint16_t>(c, v, n);
        case gguf_type::i16: return typed_array<int16_t>(c, v, n);
        case gguf_type::u32: return typed_array<uint32_t>(c, v, n);
        case gguf_type::i32: return typed_array<int32_t>(c, v, n);
        case gguf_type::f32: return typed_array<float>(c, v, n);
        case gguf_type::f64: return typed_array<double>(c, v, n);
        case gguf_type::u64: return typed_array<uint64_t>(c, v, n);
        case gguf_type::i64: return typed_array<int64_t>(c, v, n);
        default: break;
    }
    Napi::Array out = Napi::Array::New(c.env, (size_t)n);
    if (v.elem_type == gguf_type::boolean) {
        for (uint64_t i = 0; i < n; i++) out.Set((uint32_t)i, Napi::Boolean::New(c.env, v.data[i] != 0));
    } else if (v.elem_type == gguf_type::string) {
        const uint8_t * q = v.data;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t len;
            std::memcpy(&len, q, 8);
            out.Set((uint32_t)i, string_to_js(c, q + 8, len));
            q += 8 + len;
        }
    } else {  // arrays of arrays
        const std::vector<gguf_value_view> inner = v.arrays();
        for (uint64_t i = 0; i < n; i++) out.Set((uint32_t)i, array_to_js(c, inner[i]));
    }
    return out;
}

Napi::Value value_to_js(const convert_ctx & c, const gguf_value_view & v) {
    if (v.type == gguf_type::string) return string_to_js(c, v.data, v.count);
    if (v.type == gguf_type::array) return array_to_js(c, v);
    return scalar_to_js(c, v.type, v.data);
}

// Defines an own enumerable property (no setter runs, so a key like "__proto__" stays data).
void define(Napi::Object o, const std::string & key, Napi::Value value) {
    o.DefineProperty(Napi::PropertyDescriptor::Value(Napi::String::New(o.Env(), key), value,
                                                     (napi_property_attributes)(napi_writable | napi_enumerable | napi_configurable)));
}

Napi::Object tensor_to_js(Napi::Env env, const ifl::gguf_tensor_info & t) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, t.name));
    o.Set("type", Napi::Number::New(env, t.ggml_type));
    o.Set("typeName", Napi::String::New(env, t.traits->name));
    Napi::Array dims = Napi::Array::New(env, t.n_dims);
    for (uint32_t d = 0; d < t.n_dims; d++) dims.Set(d, Napi::Number::New(env, (double)t.ne[d]));
    o.Set("dims", dims);
    o.Set("offset", Napi::Number::New(env, (double)t.file_offset));
    o.Set("nBytes", Napi::Number::New(env, (double)t.n_bytes));
    return o;
}

Napi::Object file_to_js(Napi::Env env, const ifl::gguf_file & f, bool summary) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("path", Napi::String::New(env, f.path()));
    out.Set("version", Napi::Number::New(env, f.version()));
    out.Set("fileSize", Napi::Number::New(env, (double)f.file_size()));
    out.Set("alignment", Napi::Number::New(env, f.alignment()));
    out.Set("dataOffset", Napi::Number::New(env, (double)f.data_offset()));
    Napi::Object metadata = Napi::Object::New(env);
    Napi::Object types = Napi::Object::New(env);
    convert_ctx c{env, summary, std::string()};
    for (const ifl::gguf_kv & kv : f.kvs()) {
        Napi::HandleScope scope(env);
        c.key = kv.key;
        define(metadata, kv.key, value_to_js(c, kv.value));
        define(types, kv.key, Napi::Number::New(env, (double)kv.value.type));
    }
    out.Set("metadata", metadata);
    out.Set("metadataTypes", types);
    Napi::Array tensors = Napi::Array::New(env, f.tensors().size());
    for (size_t i = 0; i < f.tensors().size(); i++) tensors.Set((uint32_t)i, tensor_to_js(env, f.tensors()[i]));
    out.Set("tensors", tensors);
    return out;
}

// Reads (path, options?) → summary flag; TypeError on misuse.
bool parse_options(const Napi::CallbackInfo & info) {
    if (info.Length() < 2 || info[1].IsUndefined() || info[1].IsNull()) return false;
    const Napi::Object o = ifl_addon::arg_object(info, 1, "options");
    const std::string arrays = ifl_addon::opt_string(o, "arrays", "full");
    if (arrays != "full" && arrays != "summary") {
        throw ifl_addon::make_type_error(info.Env(), "option arrays must be 'full' or 'summary'");
    }
    return arrays == "summary";
}

Napi::Value gguf_read_sync(const Napi::CallbackInfo & info) {
    return ifl_addon::guard(info.Env(), [&]() -> Napi::Value {
        const std::string path = ifl_addon::arg_string(info, 0, "path");
        const bool summary = parse_options(info);
        const std::unique_ptr<ifl::gguf_file> f = ifl::gguf_file::open(path);
        return file_to_js(info.Env(), *f, summary);
    });
}

Napi::Value gguf_read(const Napi::CallbackInfo & info) {
    return ifl_addon::guard(info.Env(), [&]() -> Napi::Value {
        const std::string path = ifl_addon::arg_string(info, 0, "path");
        const bool summary = parse_options(info);
        auto file = std::make_shared<std::unique_ptr<ifl::gguf_file>>();
        return ifl_addon::promise_worker::start(
            info.Env(), "ggufRead",
            [file, path] { *file = ifl::gguf_file::open(path); },
            [file, summary](Napi::Env env) -> Napi::Value {
                Napi::Value v = file_to_js(env, **file, summary);
                file->reset();  // unmap now rather than when the worker is destroyed
                return v;
            });
    });
}

void register_gguf(Napi::Env env, Napi::Object exports) {
    exports.Set("ggufRead", Napi::Function::New(env, gguf_read, "ggufRead"));
    exports.Set("ggufReadSync", Napi::Function::New(env, gguf_read_sync, "ggufReadSync"));
}

} // namespace

IFL_ADDON_REGISTER(gguf, register_gguf);
