// ifl-error.cpp — status names and the formatted throw helper.
#include "ifl-error.h"

#include <cstdarg>
#include <cstdio>

namespace ifl {

const char * status_name(status s) {
    switch (s) {
        case status::ok:                       return "OK";
        case status::file_not_found:           return "FILE_NOT_FOUND";
        case status::is_directory:             return "IS_DIRECTORY";
        case status::io_error:                 return "IO_ERROR";
        case status::empty_file:               return "EMPTY_FILE";
        case status::gguf_bad_magic:           return "GGUF_BAD_MAGIC";
        case status::gguf_unsupported_version: return "GGUF_UNSUPPORTED_VERSION";
        case status::gguf_truncated:           return "GGUF_TRUNCATED";
        case status::gguf_corrupt:             return "GGUF_CORRUPT";
        case status::gguf_misaligned:          return "GGUF_MISALIGNED";
        case status::unsupported_tensor_type:  return "UNSUPPORTED_TENSOR_TYPE";
        case status::unsupported_architecture: return "UNSUPPORTED_ARCHITECTURE";
        case status::missing_tensor:           return "MISSING_TENSOR";
        case status::bad_tensor_shape:         return "BAD_TENSOR_SHAPE";
        case status::bad_metadata:             return "BAD_METADATA";
        case status::invalid_argument:         return "INVALID_ARGUMENT";
        case status::out_of_memory:            return "OUT_OF_MEMORY";
        case status::cancelled:                return "CANCELLED";
        case status::disposed:                 return "DISPOSED";
        case status::busy:                     return "BUSY";
        case status::memory_mismatch:          return "MEMORY_MISMATCH";
        case status::memory_corrupt:           return "MEMORY_CORRUPT";
        case status::internal:                 return "INTERNAL";
    }
    return "UNKNOWN";
}

void throw_error(status code, const char * fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    throw error(code, buf);
}

} // namespace ifl
