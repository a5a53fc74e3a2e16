// ifl-file-io.h — the file-system steps of saved memories and of the disk tier:
//   - small helpers over std::filesystem that throw ifl::error (IO_ERROR / FILE_NOT_FOUND) naming
//     the path: exists, size, mkdir, rename, remove, hard link with copy fallback;
//   - durable writes: file_writer (create-exclusive, append, CRC-32C of everything written,
//     fsync), fsync of a folder, atomic exchange of two folders (Linux renameat2);
//   - append_file: a file that grows by positional writes and is read through read-only
//     mappings of its ranges (file_range_map) while it grows (the disk tier's block segments).
// POSIX implementation; on Windows the durable-write helpers work, but append_file throws
// IO_ERROR (the disk tier is not available there yet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ifl {

// ---- paths ------------------------------------------------------------------------------------
std::string path_join(const std::string & dir, const std::string & name);
std::string path_parent(const std::string & path);     // "" for a bare name
std::string path_filename(const std::string & path);   // last component (trailing separators ignored)
bool        path_exists(const std::string & path);
bool        path_is_dir(const std::string & path);
bool        path_is_empty_dir(const std::string & path);
// Size of a regular file; -1 if it does not exist.
int64_t     file_size_or_missing(const std::string & path);
// Reads a whole file of at most max_bytes (FILE_NOT_FOUND / IO_ERROR; larger files: IO_ERROR).
std::string read_small_file(const std::string & path, int64_t max_bytes);
void        make_dirs(const std::string & path);
void        rename_path(const std::string & from, const std::string & to);
// Deletes a file or a folder tree; missing is fine. Errors are ignored when `quiet`.
void        remove_tree(const std::string & path, bool quiet);
// Atomically swaps two existing folders (true), or returns false where the OS cannot.
bool        exchange_dirs(const std::string & a, const std::string & b);
// Makes `to` a hard link of `from`, or a copy of it where links are impossible (other file
// system, no link support). The copy is fsynced. Returns true when linked.
bool        link_or_copy(const std::string & from, const std::string & to);
void        fsync_dir(const std::string & dir);
// 16 random hex digits (names of temp folders).
std::string random_hex16();

// ---- durable sequential writes ------------------------------------------------------------
class file_writer {
public:
    // Creates `path` (must not exist).
    explicit file_writer(const std::string & path);
    ~file_writer();
    file_writer(const file_writer &) = delete;
    file_writer & operator=(const file_writer &) = delete;

    void     write(const void * data, size_t n);
    // fsync + close; the writer is finished afterwards.
    void     finish();
    uint64_t bytes() const { return bytes_; }
    uint32_t crc() const { return crc_; }  // CRC-32C of everything written
    const std::string & path() const { return path_; }

private:
    std::string path_;
    int         fd_ = -1;
    void *      handle_ = nullptr;  // Windows HANDLE
    uint64_t    bytes_ = 0;
    uint32_t    crc_ = 0;
};

// ---- growing files read through mappings ------------------------------------------------------
// A read-only mapping of bytes [offset, offset + length) of an append_file (may reach beyond the
// current end of the file: only bytes already written may be read).
class file_range_map {
public:
    file_range_map(int fd, uint64_t offset, uint64_t length, const std::string & path);
    ~file_range_map();
    file_range_map(const file_range_map &) = delete;
    file_range_map & operator=(const file_range_map &) = delete;
    const uint8_t * data() const { return data_; }  // byte `offset` of the file

private:
    void *   base_ = nullptr;
    size_t   len_ = 0;
    const uint8_t * data_ = nullptr;
};

class append_file {
public:
    // Creates `path` exclusively for reading and writing. With delete_on_close the file is
    // unlinked when the object is destroyed (scratch files of the disk tier).
    append_file(const std::string & path, bool delete_on_close);
    ~append_file();
    append_file(const append_file &) = delete;
    append_file & operator=(const append_file &) = delete;

    void write_at(uint64_t offset, const void * data, size_t n);
    void truncate(uint64_t size);
    void sync();
    // Keeps the file on disk when the object is destroyed.
    void keep() { delete_on_close_ = false; }
    std::shared_ptr<file_range_map> map(uint64_t offset, uint64_t length) const;
    const std::string & path() const { return path_; }

private:
    std::string path_;
    int         fd_ = -1;
    bool        delete_on_close_ = false;
};

} // namespace ifl
