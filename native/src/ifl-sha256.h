// ifl-sha256.h — SHA-256 (FIPS 180-4), incremental, used for the model fingerprint.
// Checked against node:crypto in test/model/model-load.test.ts (the fingerprint is recomputed there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ifl {

class sha256 {
public:
    sha256();
    void        update(const void * data, size_t n);
    // Finishes the hash and returns it as 64 lowercase hex digits; the object must not be reused.
    std::string hex_digest();

private:
    void compress(const uint8_t * block);  // one 64-byte block

    uint32_t h_[8];
    uint8_t  buf_[64];   // pending bytes of the current block
    size_t   buf_len_ = 0;
    uint64_t total_   = 0;  // bytes hashed so far
};

} // namespace ifl
