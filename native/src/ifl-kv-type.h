// ifl-kv-type.h — element types of stored keys/values (InfLLM memory blocks, saved memories):
//   f32 — exact;
//   f16 — IEEE binary16, round to nearest even (half the bytes; the app's default);
//   q8  — int8 with one float32 scale per (token, kv head) row: scale = max|x| / 127,
//         q = round-half-even(x * 127 / max|x|) in [-127, 127], value = q * scale (a quarter of
//         the bytes plus 4 bytes per row). Per-row scales keep one outlier token from coarsening
//         the whole block (a per-block scale would); the cost is 4 / head_dim extra bytes per
//         element (6% at head_dim 64).
// Conversions: cpu/ifl-kv-convert.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ifl {

enum class kv_type : uint8_t { f32 = 0, f16 = 1, q8 = 2 };

inline const char * kv_type_name(kv_type t) {
    switch (t) {
        case kv_type::f32: return "f32";
        case kv_type::f16: return "f16";
        case kv_type::q8: return "q8";
    }
    return "?";
}

// false when `s` names no type.
inline bool kv_type_parse(const std::string & s, kv_type * out) {
    if (s == "f32") *out = kv_type::f32;
    else if (s == "f16") *out = kv_type::f16;
    else if (s == "q8") *out = kv_type::q8;
    else return false;
    return true;
}

inline size_t kv_type_elem_bytes(kv_type t) { return t == kv_type::f32 ? 4 : t == kv_type::f16 ? 2 : 1; }

} // namespace ifl
