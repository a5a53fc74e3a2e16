// ifl-fp16.h — IEEE binary16 <-> float32 (scalar and F16C) and bfloat16 -> float32.
// All conversions to float32 are exact; f32 -> f16 rounds to nearest even.
// Every function is `static inline` on purpose: this header is also included by the AVX-512
// translation units, and a shared (COMDAT) inline copy compiled there could be picked by the
// linker for the AVX2 code path and fault on CPUs without AVX-512. Internal linkage gives each
// translation unit its own copy.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(IFL_X86)
#include <immintrin.h>
#endif

namespace ifl {

// binary16 bits -> float32 (portable; subnormals, infinities and NaN included).
static inline float fp16_to_f32_scalar(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t exp  = (h >> 10) & 0x1fu;
    uint32_t       mant = h & 0x3ffu;
    uint32_t       bits;
    if (exp == 0x1fu) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (mant << 13);
    } else if (mant == 0) {
        bits = sign;
    } else {  // subnormal: normalise the mantissa
        uint32_t e = 113;
        while ((mant & 0x400u) == 0) { mant <<= 1; --e; }
        bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

// float32 -> binary16 bits, round to nearest even (portable).
static inline uint16_t f32_to_fp16_scalar(float f) {
    uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t ax   = x & 0x7fffffffu;
    if (ax > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);            // NaN
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);           // >= 65520: overflow
    if (ax < 0x38800000u) {                                             // below 2^-14: subnormal
        if (ax < 0x33000000u) return sign;                              // below 2^-25 -> 0
        const uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
        const uint32_t shift = 126 - e;                                 // 14..24
        uint32_t r = m >> shift;
        const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) ++r;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ((ax >> 13) - (112u << 10));
    const uint32_t rem = ax & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1))) ++r;              // may carry into exponent
    return (uint16_t)(sign | r);
}

// bfloat16 bits -> float32 (exact: the upper half of the float32 pattern).
static inline float bf16_to_f32(uint16_t h) {
    const uint32_t bits = (uint32_t)h << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

#if defined(IFL_X86)
// F16C versions (the build baseline includes F16C).
static inline float fp16_to_f32(uint16_t h) { return _cvtsh_ss(h); }
static inline uint16_t f32_to_fp16(float f) { return (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }
#else
static inline float fp16_to_f32(uint16_t h) { return fp16_to_f32_scalar(h); }
static inline uint16_t f32_to_fp16(float f) { return f32_to_fp16_scalar(f); }
#endif

} // namespace ifl
