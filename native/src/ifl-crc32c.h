// ifl-crc32c.h — CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, init and final xor
// 0xFFFFFFFF; "123456789" -> 0xE3069283), the checksum of saved memories. SSE4.2 crc32
// instructions on x86 (part of the AVX2 baseline), a table elsewhere. crc32c_shift combines the
// checksums of consecutive pieces without reading them again:
//   crc32c(A || B) = crc32c_shift(op(len(B)), crc32c(A)) ^ crc32c(B).
// Checked against an independent TypeScript implementation in test/native/memio-format.test.ts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ifl {

// CRC-32C of n bytes, continuing from `crc` (the CRC of everything before; 0 for a fresh start).
uint32_t crc32c(const void * data, size_t n, uint32_t crc = 0);

// The linear operator "append `len` zero bytes" on a CRC-32C register, as a 32x32 GF(2) matrix
// (column i = image of bit i). Build once per length, apply with crc32c_shift (32 xors).
struct crc32c_op {
    uint32_t col[32];
};
crc32c_op crc32c_zeros_op(uint64_t len);
uint32_t  crc32c_shift(const crc32c_op & op, uint32_t crc);

// crc32c(A || B) from crc32c(A), crc32c(B) and len(B).
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

} // namespace ifl
