// ifl-mmap.h — read-only memory mapping of a whole file (POSIX mmap, Windows file mapping).
// The GGUF reader parses headers straight from the mapping and the model loader points tensors
// into it, so the mapping lives as long as its owner (gguf_file) and is never written.
// Errors: FILE_NOT_FOUND, IS_DIRECTORY, EMPTY_FILE, IO_ERROR (permissions, not a regular file,
// mmap failure), each naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ifl {

class mapped_file {
public:
    // Maps `path` read-only. Throws ifl::error as described above.
    explicit mapped_file(const std::string & path);
    ~mapped_file();
    mapped_file(const mapped_file &) = delete;
    mapped_file & operator=(const mapped_file &) = delete;

    const uint8_t *     data() const { return data_; }  // [size()] bytes, read-only
    uint64_t            size() const { return size_; }
    const std::string & path() const { return path_; }

private:
    std::string     path_;
    const uint8_t * data_ = nullptr;
    uint64_t        size_ = 0;
#ifdef _WIN32
    void * mapping_ = nullptr;  // HANDLE of the file mapping object
#endif
};

} // namespace ifl
