// ifl-infllm-manifest.h — manifest.json of a saved InfLLM memory (format "infllm-reader-memory",
// version 2): what it was made from (model fingerprint and shape, settings and their hash, block
// element type), what it holds (tokens, blocks) and every file with its size and CRC-32C.
// The manifest protects itself: "manifestCrc32c" is the CRC-32C of the file's bytes with that
// field's 8 hex digits replaced by '0' (this rule stays the same in every format version, so
// a corrupt manifest is told apart from one of another version).
// Validation order on open: JSON -> own checksum -> format name/version -> model -> settings ->
// structure; the first three report MEMORY_CORRUPT / MEMORY_MISMATCH as the brief asks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ifl-memory.h"
#include "infllm/ifl-infllm-settings.h"

namespace ifl {

constexpr const char * k_memory_format = "infllm-reader-memory";
// 2: reprs.bin rows in the repr element type (f16 for f16 / q8 blocks); 1: f32 rows always.
constexpr int          k_memory_format_version = 2;

// The model a memory belongs to.
struct memory_model_id {
    std::string fingerprint;   // NativeModelInfo.fingerprint
    std::string architecture;
    int64_t     n_vocab = 0;
    attn_layout layout;
};

struct memory_file_entry {
    std::string name;
    int64_t     bytes = 0;
    uint32_t    crc = 0;
    // block segments only: blocks [first_block, first_block + n_blocks) of `layer`
    int         layer = -1;
    int64_t     first_block = 0;
    int64_t     n_blocks = 0;
};

struct memory_manifest {
    std::string     engine_version;
    std::string     created_at;     // ISO 8601 UTC
    memory_model_id model;
    infllm_settings settings;       // `cache` is not stored (it never changes content)
    std::string     settings_hash;
    int64_t         n_tokens = 0;
    int64_t         n_blocks = 0;   // per layer
    int64_t         record_bytes = 0;
    std::vector<memory_file_entry> files;
};

// Hex SHA-256 of every setting that changes a memory's content (all but `cache`).
std::string infllm_settings_hash(const infllm_settings & s);
// Names of the content settings that differ, each "key (saved X, requested Y)".
std::vector<std::string> infllm_settings_diff(const infllm_settings & saved, const infllm_settings & requested);

// The manifest as JSON text, checksum included.
std::string manifest_to_json(const memory_manifest & m);
// Parses and validates manifest text against the expected model; throws MEMORY_CORRUPT /
// MEMORY_MISMATCH (naming `path`). Settings are NOT compared here (see infllm_settings_diff).
memory_manifest manifest_parse(const std::string & text, const memory_model_id & expected, const std::string & path);

// Current time as "YYYY-MM-DDTHH:MM:SSZ".
std::string iso_time_now();

} // namespace ifl
