// ifl-error.h — the engine core's error model.
// The core throws ifl::error (a status code plus a human message) for every user-facing failure:
// bad files, unsupported models, invalid arguments, cancellation. The addon layer catches it at
// the boundary and turns it into a JS Error whose `code` is ifl_status_name(code). Invariant
// violations use IFL_ASSERT, which also throws (never abort/exit: the host is an Electron app).
#pragma once

#include <stdexcept>
#include <string>

namespace ifl {

enum class status {
    ok = 0,
    // files
    file_not_found,       // path does not exist
    is_directory,         // path is a directory
    io_error,             // open/read/mmap failed for another reason
    empty_file,           // zero bytes
    // GGUF container
    gguf_bad_magic,       // not a GGUF file
    gguf_unsupported_version,
    gguf_truncated,       // a count, length or offset points past the end of the file
    gguf_corrupt,         // structurally invalid (bad type tag, duplicate key, bad dims, ...)
    gguf_misaligned,      // tensor data offset violates general.alignment
    // model
    unsupported_tensor_type,
    unsupported_architecture,
    missing_tensor,
    bad_tensor_shape,
    bad_metadata,         // a required key is missing or has the wrong type/value
    // runtime
    invalid_argument,
    out_of_memory,
    cancelled,
    disposed,
    busy,
    // saved memories
    memory_mismatch,      // saved memory made for another model/settings/format version
    memory_corrupt,       // checksum or structure failure in a saved memory
    internal,             // an invariant failed (a bug)
};

// Stable, upper-case name of a status, e.g. "GGUF_TRUNCATED". Used as JS `error.code`.
const char * status_name(status s);

class error : public std::runtime_error {
public:
    error(status code, const std::string & message) : std::runtime_error(message), code_(code) {}
    status code() const noexcept { return code_; }
private:
    status code_;
};

[[noreturn]] void throw_error(status code, const char * fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

} // namespace ifl

// Invariant check: a failure is a bug in the engine, reported as status::internal.
#define IFL_ASSERT(cond)                                                                         \
    do {                                                                                         \
        if (!(cond)) ::ifl::throw_error(::ifl::status::internal, "internal error: %s (%s:%d)",   \
                                        #cond, __FILE__, __LINE__);                              \
    } while (0)
