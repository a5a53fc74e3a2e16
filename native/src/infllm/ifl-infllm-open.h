// ifl-infllm-open.h — opening a saved InfLLM memory (written by ifl-infllm-save).
//
// Folder layout (format "infllm-reader-memory" version 2; little-endian numbers):
//   manifest.json        — ifl-infllm-manifest.h (sizes and CRC-32C of every file below)
//   tokens.bin           — int32 [n_tokens]: the token history (sampling penalties need it)
//   state.bin            — "IFLSTATE", u32 version 1, u32 n_layer, i64 n_past, then per layer:
//                          i64 init_len, n_blocks, rem_start, rem_end;
//                          f32 init K, init V [n_head_kv, init_len, head_dim] each;
//                          f32 remainder raw K, V [n_head_kv, rem_end - rem_start, head_dim] each;
//                          f32 remainder representative scores [rem_end - rem_start, n_head]
//                          (keys rotated for the local window are recomputed: same bits)
//   reprs.bin            — per layer [n_blocks, n_head * head_dim] representative vectors in
//                          repr_type_for(kvType): f32 for f32 blocks, f16 for f16 / q8 blocks
//                          (version 1 held f32 rows for every block type)
//   block-crcs.bin       — u32 per layer [n_blocks]: CRC-32C of every block record
//   blocks-L<l>-<s>.bin  — block segments: records (kv_block_layout) of blocks
//                          [firstBlock, firstBlock + nBlocks) of layer l
//
// Checks on open, cheap whatever the memory's size (milliseconds): the manifest (JSON, own
// checksum, format, model, settings), every listed file's presence and exact size (truncation),
// the CRC of every small file (tokens, state, reprs, block CRCs; these are read anyway), and
// that each segment's CRC equals the combination of its blocks' CRCs. Block records themselves
// are verified on first use (kv_block::check, MEMORY_CORRUPT naming file and block, the call is
// rolled back and the session stays usable) or all at once by infllm_verify_blocks /
// open_options::verify_all.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "infllm/ifl-infllm-block-file.h"
#include "infllm/ifl-infllm-manifest.h"
#include "infllm/ifl-infllm-memory.h"

namespace ifl {

constexpr char     k_state_magic[9] = "IFLSTATE";
constexpr uint32_t k_state_version = 1;

struct open_options {
    infllm_settings expected;  // the caller's settings: every content setting must match (MEMORY_MISMATCH)
    block_storage   storage;   // where blocks made after opening go
    bool            verify_all = false;
};

struct opened_memory {
    std::unique_ptr<infllm_memory> mem;
    std::vector<int32_t>           tokens;
    memory_manifest                manifest;
};

// Throws FILE_NOT_FOUND (no folder), MEMORY_CORRUPT, MEMORY_MISMATCH as described above.
opened_memory infllm_open(const std::string & dir, const memory_model_id & model, const open_options & opt);

// Verifies every block record not verified yet; returns {blocks checked, bytes read}.
struct verify_result {
    int64_t blocks = 0;
    int64_t bytes = 0;
};
verify_result infllm_verify_blocks(const infllm_memory & mem);

} // namespace ifl
