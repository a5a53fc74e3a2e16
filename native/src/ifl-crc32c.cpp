// ifl-crc32c.cpp — CRC-32C: hardware (SSE4.2) and table paths, GF(2) length operators.
#include "ifl-crc32c.h"

#include <cstring>

#if defined(IFL_X86) && defined(__SSE4_2__)
#include <nmmintrin.h>
#define IFL_CRC_HW 1
#endif

namespace ifl {

namespace {

constexpr uint32_t k_poly = 0x82F63B78u;  // reflected Castagnoli polynomial

#if !IFL_CRC_HW
struct crc_table {
    uint32_t t[256];
    crc_table() {
        for (uint32_t i = 0; i < 256; ++i) {
            uint32_t c = i;
            for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ k_poly : c >> 1;
            t[i] = c;
        }
    }
};
const crc_table & table() {
    static const crc_table t;
    return t;
}
#endif

// The raw register update (no init / final xor).
uint32_t update(uint32_t reg, const uint8_t * p, size_t n) {
#if IFL_CRC_HW
    uint64_t r = reg;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        r = _mm_crc32_u64(r, w);
    }
    uint32_t r32 = (uint32_t)r;
    for (; n > 0; --n, ++p) r32 = _mm_crc32_u8(r32, *p);
    return r32;
#else
    const uint32_t * t = table().t;
    for (; n > 0; --n, ++p) reg = t[(reg ^ *p) & 0xffu] ^ (reg >> 8);
    return reg;
#endif
}

uint32_t times(const crc32c_op & m, uint32_t v) {
    uint32_t s = 0;
    for (int i = 0; v != 0; ++i, v >>= 1)
        if (v & 1) s ^= m.col[i];
    return s;
}

// a ∘ b (apply b, then a).
crc32c_op compose(const crc32c_op & a, const crc32c_op & b) {
    crc32c_op r;
    for (int i = 0; i < 32; ++i) r.col[i] = times(a, b.col[i]);
    return r;
}

} // namespace

uint32_t crc32c(const void * data, size_t n, uint32_t crc) {
    return ~update(~crc, static_cast<const uint8_t *>(data), n);
}

crc32c_op crc32c_zeros_op(uint64_t len) {
    // one zero bit: the register shifts right, xoring the polynomial when bit 0 falls out
    crc32c_op bit;
    bit.col[0] = k_poly;
    for (int i = 1; i < 32; ++i) bit.col[i] = 1u << (i - 1);
    crc32c_op byte = bit;
    for (int k = 0; k < 3; ++k) byte = compose(byte, byte);  // 8 zero bits
    crc32c_op result;
    for (int i = 0; i < 32; ++i) result.col[i] = 1u << i;  // identity
    for (crc32c_op p = byte; len != 0; len >>= 1) {
        if (len & 1) result = compose(p, result);
        if (len > 1) p = compose(p, p);
    }
    return result;
}

uint32_t crc32c_shift(const crc32c_op & op, uint32_t crc) { return times(op, crc); }

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b) {
    return crc32c_shift(crc32c_zeros_op(len_b), crc_a) ^ crc_b;
}

} // namespace ifl
