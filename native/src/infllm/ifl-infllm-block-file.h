// ifl-infllm-block-file.h — block segments: files of fixed-size block records (layout:
// kv_block_layout), record i at byte i * record_bytes, read through memory mappings so the OS
// pages blocks in on demand (a memory larger than RAM works).
//   - writable segments (disk tier): created in the memory's storage folder with a unique name,
//     records appended by positional writes and read through read-only mappings of extents of
//     k_segment_extent bytes (mapped once, never moved); the owner may truncate (rollback) and
//     seal (save: fsync, then the file never changes again). A scratch file's name is removed
//     when the last block using it goes; a saved memory keeps the data through its hard link.
//   - opened segments (saved memories): a whole file mapped read-only, sealed from the start.
// Blocks hold a shared_ptr to their segment, so a segment lives as long as any block of any fork.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "infllm/ifl-infllm-block-store.h"

namespace ifl {

class append_file;
class file_range_map;
class mapped_file;

constexpr int64_t k_segment_extent = int64_t(64) << 20;  // bytes mapped at a time while writing

class block_segment {
public:
    // New empty segment file `path` (must not exist); its name is removed on destruction.
    static std::shared_ptr<block_segment> create(const std::string & path, int64_t record_bytes);
    // Maps a saved segment file holding exactly n_records records (size checked by the caller).
    static std::shared_ptr<block_segment> open(const std::string & path, int64_t record_bytes, int64_t n_records);
    ~block_segment();

    const std::string & path() const { return path_; }
    int64_t record_bytes() const { return rec_bytes_; }
    int64_t n_records() const { return n_.load(std::memory_order_acquire); }
    bool    sealed() const { return sealed_.load(std::memory_order_acquire); }
    // Record i (i < n_records()), valid as long as this segment lives.
    const uint8_t * record(int64_t i) const;

    // ---- writer side (the owning memory layer only) -----------------------------------------
    // Appends one record (record_bytes bytes); returns its index.
    int64_t append(const uint8_t * rec);
    // Drops records [n, n_records()).
    void truncate(int64_t n);
    // fsync; afterwards the file never changes (it may be hard-linked into a saved memory).
    void seal();

private:
    block_segment() = default;
    const uint8_t * extent_base(int64_t e) const;

    std::string                                  path_;
    int64_t                                      rec_bytes_ = 0;
    int64_t                                      per_extent_ = 1;  // records per mapped extent
    std::atomic<int64_t>                         n_{0};
    std::atomic<bool>                            sealed_{false};
    std::unique_ptr<append_file>                 file_;      // writable segments
    std::vector<std::shared_ptr<file_range_map>> extents_;   // writable segments
    mutable std::mutex                           extents_mu_;
    std::unique_ptr<mapped_file>                 whole_;     // opened segments
};

// Block storage of one layer: RAM, or a folder where this layer writes its own segment files.
struct block_storage {
    bool        disk = false;
    std::string dir;  // disk only
};

// Where one layer writes its new blocks: RAM vectors, or its current writable segment in the
// storage folder (created on the first block after construction, a fork or a seal).
class block_writer {
public:
    block_writer(block_storage st, kv_block_shape sh, kv_type t, bool keep_scores, std::string name_tag);
    // Encodes head-major rows (see kv_block_encode) into a new block.
    std::shared_ptr<const kv_block> make(const float * k_rows, const float * v_rows, int64_t head_stride,
                                         const float * score_rows);
    // The blocks made since the snapshot were dropped: shrink the current segment accordingly.
    void drop_last(int64_t n_blocks);
    // Seals the current segment (next blocks start a new one).
    void seal();
    // Writer for a fork: same storage, no current segment.
    block_writer fork() const;
    const block_storage & storage() const { return st_; }
    kv_type type() const { return type_; }

private:
    block_storage                  st_;
    kv_block_shape                 sh_;
    kv_type                        type_;
    kv_block_layout                lay_;
    bool                           keep_scores_;
    std::string                    tag_;
    std::shared_ptr<block_segment> seg_;
    std::vector<uint8_t>           scratch_;  // one record being encoded
};

} // namespace ifl
