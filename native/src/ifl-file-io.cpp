// ifl-file-io.cpp — file-system helpers, durable writes and growing mapped files (see the header).
#include "ifl-file-io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>
#include <system_error>

#include "ifl-crc32c.h"
#include "ifl-error.h"

#ifdef _WIN32
#  include <io.h>
#else
#  include <fcntl.h>
#  include <sys/mman.h>
#  include <sys/stat.h>
#  include <unistd.h>
#  if defined(__linux__)
#    include <sys/syscall.h>
#  endif
#endif

namespace fs = std::filesystem;

namespace ifl {

namespace {

fs::path to_path(const std::string & s) { return fs::u8path(s); }

[[noreturn]] void fail_ec(const char * what, const std::string & path, const std::error_code & ec) {
    if (ec == std::errc::no_such_file_or_directory) throw_error(status::file_not_found, "%s %s: not found", what, path.c_str());
    throw_error(status::io_error, "%s %s: %s", what, path.c_str(), ec.message().c_str());
}

[[noreturn]] void fail_errno(const char * what, const std::string & path) {
    const int e = errno;
    if (e == ENOENT) throw_error(status::file_not_found, "%s %s: not found", what, path.c_str());
    throw_error(status::io_error, "%s %s: %s", what, path.c_str(), std::strerror(e));
}

} // namespace

std::string path_join(const std::string & dir, const std::string & name) { return (to_path(dir) / to_path(name)).u8string(); }

std::string path_parent(const std::string & path) {
    fs::path p = to_path(path);
    if (!p.has_filename()) p = p.parent_path();  // "a/b/" -> "a/b"
    return p.parent_path().u8string();
}

std::string path_filename(const std::string & path) {
    fs::path p = to_path(path);
    if (!p.has_filename()) p = p.parent_path();
    return p.filename().u8string();
}

bool path_exists(const std::string & path) {
    std::error_code ec;
    return fs::exists(to_path(path), ec);
}

bool path_is_dir(const std::string & path) {
    std::error_code ec;
    return fs::is_directory(to_path(path), ec);
}

bool path_is_empty_dir(const std::string & path) {
    std::error_code ec;
    return fs::is_directory(to_path(path), ec) && fs::is_empty(to_path(path), ec) && !ec;
}

int64_t file_size_or_missing(const std::string & path) {
    std::error_code ec;
    const fs::file_status st = fs::status(to_path(path), ec);
    if (ec || !fs::exists(st)) return -1;
    if (!fs::is_regular_file(st)) throw_error(status::io_error, "%s is not a regular file", path.c_str());
    const uintmax_t n = fs::file_size(to_path(path), ec);
    if (ec) fail_ec("cannot read the size of", path, ec);
    return (int64_t)n;
}

std::string read_small_file(const std::string & path, int64_t max_bytes) {
    const int64_t n = file_size_or_missing(path);
    if (n < 0) throw_error(status::file_not_found, "file not found: %s", path.c_str());
    if (n > max_bytes) throw_error(status::io_error, "%s is too large (%lld bytes, at most %lld expected)", path.c_str(), (long long)n, (long long)max_bytes);
    std::string out((size_t)n, '\0');
#ifdef _WIN32
    FILE * f = _wfopen(to_path(path).c_str(), L"rb");
#else
    FILE * f = std::fopen(path.c_str(), "rb");
#endif
    if (!f) fail_errno("cannot open", path);
    const size_t got = n > 0 ? std::fread(&out[0], 1, (size_t)n, f) : 0;
    std::fclose(f);
    if (got != (size_t)n) throw_error(status::io_error, "cannot read %s", path.c_str());
    return out;
}

void make_dirs(const std::string & path) {
    std::error_code ec;
    fs::create_directories(to_path(path), ec);
    if (ec) fail_ec("cannot create folder", path, ec);
}

void rename_path(const std::string & from, const std::string & to) {
    std::error_code ec;
    fs::rename(to_path(from), to_path(to), ec);
    if (ec) fail_ec("cannot rename", from + " -> " + to, ec);
}

void remove_tree(const std::string & path, bool quiet) {
    std::error_code ec;
    fs::remove_all(to_path(path), ec);
    if (ec && !quiet) fail_ec("cannot remove", path, ec);
}

bool exchange_dirs(const std::string & a, const std::string & b) {
#if defined(__linux__) && defined(SYS_renameat2)
    constexpr unsigned k_rename_exchange = 2;  // RENAME_EXCHANGE
    if (::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), k_rename_exchange) == 0) return true;
    return false;
#else
    (void)a;
    (void)b;
    return false;
#endif
}

bool link_or_copy(const std::string & from, const std::string & to) {
    std::error_code ec;
    fs::create_hard_link(to_path(from), to_path(to), ec);
    if (!ec) return true;
    file_writer w(to);
#ifdef _WIN32
    FILE * f = _wfopen(to_path(from).c_str(), L"rb");
#else
    FILE * f = std::fopen(from.c_str(), "rb");
#endif
    if (!f) fail_errno("cannot open", from);
    std::vector<char> buf((size_t)1 << 20);
    for (;;) {
        const size_t got = std::fread(buf.data(), 1, buf.size(), f);
        if (got > 0) w.write(buf.data(), got);
        if (got < buf.size()) break;
    }
    const bool err = std::ferror(f) != 0;
    std::fclose(f);
    if (err) throw_error(status::io_error, "cannot read %s", from.c_str());
    w.finish();
    return false;
}

void fsync_dir(const std::string & dir) {
#ifndef _WIN32
    const int fd = ::open(dir.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_errno("cannot open folder", dir);
    const int rc = ::fsync(fd);
    const int e = errno;
    ::close(fd);
    if (rc != 0 && e != EINVAL) {  // EINVAL: the file system cannot sync folders
        errno = e;
        fail_errno("cannot sync folder", dir);
    }
#else
    (void)dir;  // NTFS journals renames; folders cannot be fsynced on Windows
#endif
}

std::string random_hex16() {
    std::random_device rd;
    const uint64_t v = ((uint64_t)rd() << 32) ^ rd();
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
    return buf;
}

// ---- file_writer ------------------------------------------------------------------------------

file_writer::file_writer(const std::string & path) : path_(path) {
#ifdef _WIN32
    FILE * f = _wfopen(to_path(path).c_str(), L"wbx");
    if (!f) fail_errno("cannot create", path);
    handle_ = f;
#else
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) fail_errno("cannot create", path);
#endif
}

file_writer::~file_writer() {
#ifdef _WIN32
    if (handle_) std::fclose((FILE *)handle_);
#else
    if (fd_ >= 0) ::close(fd_);
#endif
}

void file_writer::write(const void * data, size_t n) {
    crc_ = crc32c(data, n, crc_);
    const char * p = static_cast<const char *>(data);
#ifdef _WIN32
    if (!handle_ || std::fwrite(p, 1, n, (FILE *)handle_) != n) fail_errno("cannot write", path_);
#else
    while (n > 0) {
        const ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail_errno("cannot write", path_);
        }
        p += w;
        n -= (size_t)w;
        bytes_ += (uint64_t)w;
    }
    return;
#endif
    bytes_ += n;
}

void file_writer::finish() {
#ifdef _WIN32
    FILE * f = (FILE *)handle_;
    handle_ = nullptr;
    if (!f) return;
    const bool ok = std::fflush(f) == 0 && _commit(_fileno(f)) == 0;
    std::fclose(f);
    if (!ok) fail_errno("cannot sync", path_);
#else
    if (fd_ < 0) return;
    const int rc = ::fsync(fd_);
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    if (rc != 0) {
        errno = e;
        fail_errno("cannot sync", path_);
    }
#endif
}

// ---- append_file / file_range_map --------------------------------------------------------------

#ifndef _WIN32

file_range_map::file_range_map(int fd, uint64_t offset, uint64_t length, const std::string & path) {
    const uint64_t page = (uint64_t)::sysconf(_SC_PAGESIZE);
    const uint64_t start = offset / page * page;
    len_ = (size_t)(offset + length - start);
    base_ = ::mmap(nullptr, len_, PROT_READ, MAP_SHARED, fd, (off_t)start);
    if (base_ == MAP_FAILED) {
        base_ = nullptr;
        fail_errno("cannot map", path);
    }
    data_ = static_cast<const uint8_t *>(base_) + (offset - start);
}

file_range_map::~file_range_map() {
    if (base_) ::munmap(base_, len_);
}

append_file::append_file(const std::string & path, bool delete_on_close) : path_(path), delete_on_close_(delete_on_close) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) fail_errno("cannot create", path);
}

append_file::~append_file() {
    if (fd_ >= 0) ::close(fd_);
    if (delete_on_close_) ::unlink(path_.c_str());
}

void append_file::write_at(uint64_t offset, const void * data, size_t n) {
    const char * p = static_cast<const char *>(data);
    while (n > 0) {
        const ssize_t w = ::pwrite(fd_, p, n, (off_t)offset);
        if (w < 0) {
            if (errno == EINTR) continue;
            fail_errno("cannot write", path_);
        }
        p += w;
        n -= (size_t)w;
        offset += (uint64_t)w;
    }
}

void append_file::truncate(uint64_t size) {
    if (::ftruncate(fd_, (off_t)size) != 0) fail_errno("cannot truncate", path_);
}

void append_file::sync() {
    if (::fsync(fd_) != 0) fail_errno("cannot sync", path_);
}

std::shared_ptr<file_range_map> append_file::map(uint64_t offset, uint64_t length) const {
    return std::make_shared<file_range_map>(fd_, offset, length, path_);
}

#else  // _WIN32: the disk tier is not available yet

file_range_map::file_range_map(int, uint64_t, uint64_t, const std::string & path) {
    throw_error(status::io_error, "cannot map %s: the disk tier is not supported on Windows yet", path.c_str());
}
file_range_map::~file_range_map() {}
append_file::append_file(const std::string & path, bool) : path_(path) {
    throw_error(status::io_error, "cannot create %s: the disk tier is not supported on Windows yet", path.c_str());
}
append_file::~append_file() {}
void append_file::write_at(uint64_t, const void *, size_t) {}
void append_file::truncate(uint64_t) {}
void append_file::sync() {}
std::shared_ptr<file_range_map> append_file::map(uint64_t, uint64_t) const { return nullptr; }

#endif

} // namespace ifl
