// ifl-gguf.h — a validating GGUF (v2/v3, little-endian) reader over a memory-mapped file.
// gguf_file::open() checks the whole header before returning: every count, length and offset is
// compared with the bytes left before use, nothing is allocated from an unchecked count, element
// counts and byte sizes use checked arithmetic, tensor data must lie inside the file. Metadata
// values and tensor data stay in the mapping; the views below point into it and are valid as long
// as the gguf_file lives. Typed accessors throw BAD_METADATA naming the key.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ifl-ggml-types.h"
#include "ifl-mmap.h"

namespace ifl {

// GGUF metadata value types (ids as stored in the file).
enum class gguf_type : uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8, array = 9,
    u64 = 10, i64 = 11, f64 = 12,
};
constexpr uint32_t GGUF_TYPE_COUNT = 13;

// "u32", "string", ... ("?" for an invalid id).
const char * gguf_type_name(gguf_type t);
// Bytes of one value of a fixed-size type; 0 for string and array.
size_t gguf_type_size(gguf_type t);

// A value as it lies in the file (validated by open()).
//   scalar: data → the value's bytes (little-endian, possibly unaligned: read with memcpy)
//   string: data → the UTF-8 bytes (not validated, not terminated), count = byte length
//   array:  elem_type, count elements starting at data; n_bytes = the elements' bytes
struct gguf_value_view {
    gguf_type       type      = gguf_type::u8;
    gguf_type       elem_type = gguf_type::u8;  // arrays only
    uint64_t        count     = 0;              // string bytes or array elements
    const uint8_t * data      = nullptr;
    uint64_t        n_bytes   = 0;

    // Numeric scalar or array element i of a fixed-size type T (caller checked the type).
    template <class T> T scalar_at(uint64_t i = 0) const {
        T v;
        std::memcpy(&v, data + i * sizeof(T), sizeof(T));
        return v;
    }
    std::string_view as_string() const { return std::string_view((const char *)data, (size_t)count); }
    // Arrays of strings: every element (O(count)); arrays of arrays: every element's view.
    std::vector<std::string_view> strings() const;
    std::vector<gguf_value_view>  arrays() const;
};

struct gguf_kv {
    std::string     key;
    gguf_value_view value;
    uint64_t        file_offset = 0;  // where the KV starts in the file (for messages)
};

struct gguf_tensor_info {
    std::string               name;
    uint32_t                  n_dims      = 0;
    int64_t                   ne[4]       = {1, 1, 1, 1};  // innermost first; unused dims are 1
    uint32_t                  ggml_type   = 0;
    const ggml_type_traits *  traits      = nullptr;       // never null after open()
    uint64_t                  offset      = 0;             // relative to data_offset(), as stored
    uint64_t                  file_offset = 0;             // absolute: data_offset() + offset
    int64_t                   n_elements  = 0;
    uint64_t                  n_bytes     = 0;
};

class gguf_file {
public:
    // Maps and validates `path`. Throws ifl::error (FILE_*, EMPTY_FILE, GGUF_*,
    // UNSUPPORTED_TENSOR_TYPE) with a message naming the offending value and offset.
    static std::unique_ptr<gguf_file> open(const std::string & path);

    const std::string & path() const { return map_->path(); }
    uint32_t version() const { return version_; }
    uint64_t file_size() const { return map_->size(); }
    uint32_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }

    // ---- metadata ------------------------------------------------------------------------
    const std::vector<gguf_kv> & kvs() const { return kvs_; }
    const gguf_kv * find(std::string_view key) const;  // nullptr when absent
    // Integer getters accept any integer type whose value fits; f32 accepts f32 and f64.
    // Missing key or wrong type/range → BAD_METADATA naming the key. The overloads with a
    // default return it when the key is absent (a wrong type is still an error).
    uint32_t    get_u32(std::string_view key) const;
    uint32_t    get_u32(std::string_view key, uint32_t def) const;
    int32_t     get_i32(std::string_view key) const;
    int32_t     get_i32(std::string_view key, int32_t def) const;
    int64_t     get_i64(std::string_view key) const;
    uint64_t    get_u64(std::string_view key) const;
    float       get_f32(std::string_view key) const;
    float       get_f32(std::string_view key, float def) const;
    bool        get_bool(std::string_view key) const;
    bool        get_bool(std::string_view key, bool def) const;
    std::string get_string(std::string_view key) const;
    std::string get_string(std::string_view key, const std::string & def) const;
    // An array whose elements have type `elem` → BAD_METADATA if missing or another type.
    gguf_value_view get_array(std::string_view key, gguf_type elem) const;
    // Array of any integer type as int64 / of f32 or f64 as float (BAD_METADATA if not numeric).
    std::vector<int64_t> get_int_array(std::string_view key) const;
    std::vector<float>   get_f32_array(std::string_view key) const;

    // ---- tensors -------------------------------------------------------------------------
    const std::vector<gguf_tensor_info> & tensors() const { return tensors_; }
    const gguf_tensor_info * find_tensor(std::string_view name) const;  // nullptr when absent
    // First byte of the tensor's data ([n_bytes] bytes) inside the mapping.
    const uint8_t * tensor_data(const gguf_tensor_info & t) const { return map_->data() + t.file_offset; }

private:
    gguf_file() = default;
    friend class gguf_parser;

    std::unique_ptr<mapped_file>                      map_;
    uint32_t                                          version_     = 0;
    uint32_t                                          alignment_   = 32;
    uint64_t                                          data_offset_ = 0;
    std::vector<gguf_kv>                              kvs_;
    std::vector<gguf_tensor_info>                     tensors_;
    std::unordered_map<std::string_view, size_t>      kv_index_;      // key bytes in the mapping → kvs_ index
    std::unordered_map<std::string_view, size_t>      tensor_index_;  // name bytes in the mapping → tensors_ index
};

} // namespace ifl
