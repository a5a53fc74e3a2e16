// ifl-gguf-meta.cpp — gguf_file lookups and typed metadata accessors (BAD_METADATA naming the
// key on a missing key, a wrong type or a value out of range), and array view decoding.
#include "ifl-gguf.h"

#include <cinttypes>
#include <cmath>
#include <limits>

#include "ifl-error.h"

namespace ifl {

const char * gguf_type_name(gguf_type t) {
    switch (t) {
        case gguf_type::u8: return "u8";       case gguf_type::i8: return "i8";
        case gguf_type::u16: return "u16";     case gguf_type::i16: return "i16";
        case gguf_type::u32: return "u32";     case gguf_type::i32: return "i32";
        case gguf_type::f32: return "f32";     case gguf_type::boolean: return "bool";
        case gguf_type::string: return "string"; case gguf_type::array: return "array";
        case gguf_type::u64: return "u64";     case gguf_type::i64: return "i64";
        case gguf_type::f64: return "f64";
    }
    return "?";
}

size_t gguf_type_size(gguf_type t) {
    switch (t) {
        case gguf_type::u8: case gguf_type::i8: case gguf_type::boolean: return 1;
        case gguf_type::u16: case gguf_type::i16: return 2;
        case gguf_type::u32: case gguf_type::i32: case gguf_type::f32: return 4;
        case gguf_type::u64: case gguf_type::i64: case gguf_type::f64: return 8;
        case gguf_type::string: case gguf_type::array: return 0;
    }
    return 0;
}

namespace {

uint64_t load_u64(const uint8_t * p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

// View of the array that starts (element type tag) at p; returns the bytes it spans.
// Only called on data open() has validated.
uint64_t decode_array(const uint8_t * p, gguf_value_view & v) {
    uint32_t et;
    std::memcpy(&et, p, 4);
    v.type = gguf_type::array;
    v.elem_type = (gguf_type)et;
    v.count = load_u64(p + 4);
    v.data = p + 12;
    const uint8_t * q = v.data;
    if (v.elem_type == gguf_type::string) {
        for (uint64_t i = 0; i < v.count; i++) q += 8 + load_u64(q);
    } else if (v.elem_type == gguf_type::array) {
        gguf_value_view inner;
        for (uint64_t i = 0; i < v.count; i++) q += decode_array(q, inner);
    } else {
        q += v.count * gguf_type_size(v.elem_type);
    }
    v.n_bytes = (uint64_t)(q - v.data);
    return 12 + v.n_bytes;
}

// An integer scalar or element as sign + magnitude, so every integer type converts exactly.
struct int_value {
    bool     ok  = false;  // the type is an integer type
    bool     neg = false;
    uint64_t mag = 0;      // |value|
};

int_value read_int(gguf_type t, const uint8_t * p) {
    int_value r;
    int64_t s = 0;
    r.ok = true;
    switch (t) {
        case gguf_type::u8:  { uint8_t v;  std::memcpy(&v, p, 1); r.mag = v; return r; }
        case gguf_type::u16: { uint16_t v; std::memcpy(&v, p, 2); r.mag = v; return r; }
        case gguf_type::u32: { uint32_t v; std::memcpy(&v, p, 4); r.mag = v; return r; }
        case gguf_type::u64: { r.mag = load_u64(p); return r; }
        case gguf_type::i8:  { int8_t v;  std::memcpy(&v, p, 1); s = v; break; }
        case gguf_type::i16: { int16_t v; std::memcpy(&v, p, 2); s = v; break; }
        case gguf_type::i32: { int32_t v; std::memcpy(&v, p, 4); s = v; break; }
        case gguf_type::i64: { std::memcpy(&s, p, 8); break; }
        default: r.ok = false; return r;
    }
    r.neg = s < 0;
    r.mag = r.neg ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
    return r;
}

bool is_int_type(gguf_type t) {
    switch (t) {
        case gguf_type::u8: case gguf_type::i8: case gguf_type::u16: case gguf_type::i16:
        case gguf_type::u32: case gguf_type::i32: case gguf_type::u64: case gguf_type::i64: return true;
        default: return false;
    }
}

bool fits(const int_value & v, int64_t lo, uint64_t hi) {
    if (v.neg) return lo < 0 && v.mag <= (uint64_t)0 - (uint64_t)lo;
    return v.mag <= hi;
}

[[noreturn]] void missing(std::string_view key) {
    throw_error(status::bad_metadata, "metadata key \"%.*s\" is missing", (int)key.size(), key.data());
}

[[noreturn]] void wrong_type(std::string_view key, gguf_type got, const char * want) {
    throw_error(status::bad_metadata, "metadata key \"%.*s\" has type %s, expected %s", (int)key.size(), key.data(),
                gguf_type_name(got), want);
}

} // namespace

std::vector<std::string_view> gguf_value_view::strings() const {
    std::vector<std::string_view> out;
    if (type != gguf_type::array || elem_type != gguf_type::string) return out;
    out.reserve((size_t)count);  // count was checked against the file size by open()
    const uint8_t * q = data;
    for (uint64_t i = 0; i < count; i++) {
        const uint64_t len = load_u64(q);
        out.emplace_back((const char *)q + 8, (size_t)len);
        q += 8 + len;
    }
    return out;
}

std::vector<gguf_value_view> gguf_value_view::arrays() const {
    std::vector<gguf_value_view> out;
    if (type != gguf_type::array || elem_type != gguf_type::array) return out;
    out.reserve((size_t)count);
    const uint8_t * q = data;
    for (uint64_t i = 0; i < count; i++) {
        gguf_value_view v;
        q += decode_array(q, v);
        out.push_back(v);
    }
    return out;
}

const gguf_kv * gguf_file::find(std::string_view key) const {
    const auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kvs_[it->second];
}

const gguf_tensor_info * gguf_file::find_tensor(std::string_view name) const {
    const auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

// Integer value of `kv` checked against [lo, hi]; BAD_METADATA otherwise.
int_value get_int_checked(const gguf_kv & kv, int64_t lo, uint64_t hi, const char * want) {
    const int_value v = read_int(kv.value.type, kv.value.data);
    if (!v.ok) wrong_type(kv.key, kv.value.type, want);
    if (!fits(v, lo, hi)) {
        throw_error(status::bad_metadata, "metadata key \"%s\" = %s%llu does not fit in %s", kv.key.c_str(),
                    v.neg ? "-" : "", (unsigned long long)v.mag, want);
    }
    return v;
}

int64_t to_i64(const int_value & v) { return v.neg ? (int64_t)((uint64_t)0 - v.mag) : (int64_t)v.mag; }

const gguf_kv & require(const gguf_file & f, std::string_view key) {
    const gguf_kv * kv = f.find(key);
    if (!kv) missing(key);
    return *kv;
}

} // namespace

uint32_t gguf_file::get_u32(std::string_view key) const {
    return (uint32_t)get_int_checked(require(*this, key), 0, UINT32_MAX, "u32").mag;
}
uint32_t gguf_file::get_u32(std::string_view key, uint32_t def) const { return find(key) ? get_u32(key) : def; }

int32_t gguf_file::get_i32(std::string_view key) const {
    return (int32_t)to_i64(get_int_checked(require(*this, key), INT32_MIN, INT32_MAX, "i32"));
}
int32_t gguf_file::get_i32(std::string_view key, int32_t def) const { return find(key) ? get_i32(key) : def; }

int64_t gguf_file::get_i64(std::string_view key) const {
    return to_i64(get_int_checked(require(*this, key), INT64_MIN, INT64_MAX, "i64"));
}

uint64_t gguf_file::get_u64(std::string_view key) const {
    return get_int_checked(require(*this, key), 0, UINT64_MAX, "u64").mag;
}

float gguf_file::get_f32(std::string_view key) const {
    const gguf_kv & kv = require(*this, key);
    if (kv.value.type == gguf_type::f32) return kv.value.scalar_at<float>();
    if (kv.value.type == gguf_type::f64) return (float)kv.value.scalar_at<double>();
    wrong_type(key, kv.value.type, "f32");
}
float gguf_file::get_f32(std::string_view key, float def) const { return find(key) ? get_f32(key) : def; }

bool gguf_file::get_bool(std::string_view key) const {
    const gguf_kv & kv = require(*this, key);
    if (kv.value.type != gguf_type::boolean) wrong_type(key, kv.value.type, "bool");
    return kv.value.data[0] != 0;
}
bool gguf_file::get_bool(std::string_view key, bool def) const { return find(key) ? get_bool(key) : def; }

std::string gguf_file::get_string(std::string_view key) const {
    const gguf_kv & kv = require(*this, key);
    if (kv.value.type != gguf_type::string) wrong_type(key, kv.value.type, "string");
    return std::string(kv.value.as_string());
}
std::string gguf_file::get_string(std::string_view key, const std::string & def) const {
    return find(key) ? get_string(key) : def;
}

gguf_value_view gguf_file::get_array(std::string_view key, gguf_type elem) const {
    const gguf_kv & kv = require(*this, key);
    if (kv.value.type != gguf_type::array) wrong_type(key, kv.value.type, "array");
    if (kv.value.elem_type != elem) {
        throw_error(status::bad_metadata, "metadata key \"%s\" is an array of %s, expected an array of %s",
                    kv.key.c_str(), gguf_type_name(kv.value.elem_type), gguf_type_name(elem));
    }
    return kv.value;
}

std::vector<int64_t> gguf_file::get_int_array(std::string_view key) const {
    const gguf_kv & kv = require(*this, key);
    if (kv.value.type != gguf_type::array) wrong_type(key, kv.value.type, "array of integers");
    const gguf_type et = kv.value.elem_type;
    if (!is_int_type(et)) {
        throw_error(status::bad_metadata, "metadata key \"%s\" is an array of %s, expected integers", kv.key.c_str(), gguf_type_name(et));
    }
    std::vector<int64_t> out((size_t)kv.value.count);
    const size_t sz = gguf_type_size(et);
    for (uint64_t i = 0; i < kv.value.count; i++) {
        const int_value v = read_int(et, kv.value.data + i * sz);
        if (!fits(v, INT64_MIN, INT64_MAX)) {
            throw_error(status::bad_metadata, "metadata key \"%s\"[%llu] = %llu does not fit in i64", kv.key.c_str(),
                        (unsigned long long)i, (unsigned long long)v.mag);
        }
        out[i] = to_i64(v);
    }
    return out;
}

std::vector<float> gguf_file::get_f32_array(std::string_view key) const {
    const gguf_kv & kv = require(*this, key);
    if (kv.value.type != gguf_type::array) wrong_type(key, kv.value.type, "array of f32");
    const gguf_type et = kv.value.elem_type;
    if (et != gguf_type::f32 && et != gguf_type::f64) {
        throw_error(status::bad_metadata, "metadata key \"%s\" is an array of %s, expected f32", kv.key.c_str(), gguf_type_name(et));
    }
    std::vector<float> out((size_t)kv.value.count);
    for (uint64_t i = 0; i < kv.value.count; i++) {
        out[i] = et == gguf_type::f32 ? kv.value.scalar_at<float>(i) : (float)kv.value.scalar_at<double>(i);
    }
    return out;
}

} // namespace ifl
