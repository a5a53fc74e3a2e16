// ifl-mmap.cpp — mapped_file: open + stat + map, with typed errors for the usual user mistakes.
#include "ifl-mmap.h"

#include "ifl-error.h"

#include <cerrno>
#include <cstring>

#ifdef _WIN32
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>
#else
#  include <fcntl.h>
#  include <sys/mman.h>
#  include <sys/stat.h>
#  include <unistd.h>
#endif

namespace ifl {

#ifdef _WIN32

namespace {

std::wstring utf8_to_wide(const std::string & s) {
    if (s.empty()) return std::wstring();
    const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), (int)s.size(), nullptr, 0);
    std::wstring w((size_t)(n > 0 ? n : 0), L'\0');
    if (n > 0) MultiByteToWideChar(CP_UTF8, 0, s.data(), (int)s.size(), &w[0], n);
    return w;
}

} // namespace

mapped_file::mapped_file(const std::string & path) : path_(path) {
    const std::wstring wpath = utf8_to_wide(path);
    const DWORD attrs = GetFileAttributesW(wpath.c_str());
    if (attrs == INVALID_FILE_ATTRIBUTES) {
        const DWORD e = GetLastError();
        if (e == ERROR_FILE_NOT_FOUND || e == ERROR_PATH_NOT_FOUND || e == ERROR_INVALID_NAME) {
            throw_error(status::file_not_found, "file not found: %s", path.c_str());
        }
        throw_error(status::io_error, "cannot open %s (Windows error %lu)", path.c_str(), (unsigned long)e);
    }
    if (attrs & FILE_ATTRIBUTE_DIRECTORY) throw_error(status::is_directory, "%s is a directory, not a file", path.c_str());
    HANDLE fh = CreateFileW(wpath.c_str(), GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                            FILE_ATTRIBUTE_NORMAL, nullptr);
    if (fh == INVALID_HANDLE_VALUE) {
        throw_error(status::io_error, "cannot open %s (Windows error %lu)", path.c_str(), (unsigned long)GetLastError());
    }
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(fh, &sz)) {
        const DWORD e = GetLastError();
        CloseHandle(fh);
        throw_error(status::io_error, "cannot read the size of %s (Windows error %lu)", path.c_str(), (unsigned long)e);
    }
    if (sz.QuadPart == 0) {
        CloseHandle(fh);
        throw_error(status::empty_file, "%s is empty (0 bytes)", path.c_str());
    }
    size_ = (uint64_t)sz.QuadPart;
    mapping_ = CreateFileMappingW(fh, nullptr, PAGE_READONLY, 0, 0, nullptr);
    CloseHandle(fh);  // the mapping object keeps the file open
    if (!mapping_) throw_error(status::io_error, "cannot map %s (Windows error %lu)", path.c_str(), (unsigned long)GetLastError());
    data_ = (const uint8_t *)MapViewOfFile(mapping_, FILE_MAP_READ, 0, 0, 0);
    if (!data_) {
        const DWORD e = GetLastError();
        CloseHandle(mapping_);
        mapping_ = nullptr;
        throw_error(status::io_error, "cannot map %s (Windows error %lu)", path.c_str(), (unsigned long)e);
    }
}

mapped_file::~mapped_file() {
    if (data_) UnmapViewOfFile(data_);
    if (mapping_) CloseHandle(mapping_);
}

#else

mapped_file::mapped_file(const std::string & path) : path_(path) {
    // O_NONBLOCK: opening a FIFO must not hang; it has no effect on regular files.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int e = errno;
        if (e == ENOENT || e == ENOTDIR) throw_error(status::file_not_found, "file not found: %s", path.c_str());
        if (e == EISDIR) throw_error(status::is_directory, "%s is a directory, not a file", path.c_str());
        throw_error(status::io_error, "cannot open %s: %s", path.c_str(), std::strerror(e));
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        throw_error(status::io_error, "cannot stat %s: %s", path.c_str(), std::strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        throw_error(status::is_directory, "%s is a directory, not a file", path.c_str());
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw_error(status::io_error, "%s is not a regular file", path.c_str());
    }
    if (st.st_size == 0) {
        ::close(fd);
        throw_error(status::empty_file, "%s is empty (0 bytes)", path.c_str());
    }
    size_ = (uint64_t)st.st_size;
    void * p = ::mmap(nullptr, (size_t)size_, PROT_READ, MAP_PRIVATE, fd, 0);
    const int e = errno;
    ::close(fd);  // the mapping keeps its own reference to the file
    if (p == MAP_FAILED) {
        throw_error(status::io_error, "cannot map %s (%llu bytes): %s", path.c_str(), (unsigned long long)size_,
                    std::strerror(e));
    }
    data_ = (const uint8_t *)p;
}

mapped_file::~mapped_file() {
    if (data_) ::munmap((void *)data_, (size_t)size_);
}

#endif

} // namespace ifl
