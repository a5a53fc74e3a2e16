// ifl-gguf.cpp — gguf_file::open(): the validating parser (header, metadata, tensor infos,
// data section). Reads only through a bounds-checked cursor; see ifl-gguf.h for the guarantees.
#include "ifl-gguf.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "ifl-error.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the GGUF reader assumes a little-endian host"
#endif

namespace ifl {

namespace {

constexpr uint8_t  k_magic[4]          = {'G', 'G', 'U', 'F'};
constexpr int      k_max_array_depth   = 8;             // nesting of arrays of arrays
constexpr uint64_t k_min_kv_bytes      = 8 + 4 + 1;     // key length, type tag, 1-byte value
constexpr uint64_t k_min_tensor_bytes  = 8 + 4 + 8 + 4 + 8;  // name length, n_dims, ne[0], type, offset
constexpr uint64_t k_array_head_bytes  = 4 + 8;         // element type, count
constexpr size_t   k_max_reserve       = 4096;          // never reserve more entries up front

using ull = unsigned long long;

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool utf8_valid(const uint8_t * s, size_t n) {
    size_t i = 0;
    while (i < n) {
        const uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t len; uint32_t cp;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

// A name for messages: at most 64 bytes, control characters replaced (messages stay one line).
std::string printable(std::string_view s) {
    std::string out;
    size_t n = s.size() <= 64 ? s.size() : 64;
    while (n < s.size() && n > 0 && ((uint8_t)s[n] & 0xC0) == 0x80) n--;  // cut at a character boundary
    for (size_t i = 0; i < n; i++) out += ((uint8_t)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
    if (n < s.size()) out += "...";
    return out;
}

bool mul_overflows(uint64_t a, uint64_t b, uint64_t limit) { return a != 0 && b > limit / a; }

} // namespace

// The parser: a cursor over the mapping plus the gguf_file being filled.
class gguf_parser {
public:
    explicit gguf_parser(gguf_file & f) : f_(f), base_(f.map_->data()), size_(f.map_->size()) {}

    void parse() {
        uint64_t n_tensors = 0, n_kv = 0;
        parse_header(n_tensors, n_kv);
        parse_kvs(n_kv);
        parse_alignment();
        parse_tensor_infos(n_tensors);
        f_.data_offset_ = pos_ + (f_.alignment_ - pos_ % f_.alignment_) % f_.alignment_;
        place_tensor_data();
    }

private:
    gguf_file &     f_;
    const uint8_t * base_;
    uint64_t        size_;
    uint64_t        pos_ = 0;

    uint64_t remaining() const { return size_ - pos_; }

    void need(uint64_t n, const char * what) const {
        if (n > remaining()) {
            throw_error(status::gguf_truncated, "truncated file: %s (%llu bytes) at offset %llu runs past the end of the %llu-byte file",
                        what, (ull)n, (ull)pos_, (ull)size_);
        }
    }

    template <class T> T read(const char * what) {
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, base_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::string_view read_string(const char * what) {
        const uint64_t len = read<uint64_t>(what);
        if (len > remaining()) {
            throw_error(status::gguf_truncated, "%s: string length %llu at offset %llu exceeds the %llu-byte file",
                        what, (ull)len, (ull)(pos_ - 8), (ull)size_);
        }
        std::string_view s((const char *)(base_ + pos_), (size_t)len);
        pos_ += len;
        return s;
    }

    void parse_header(uint64_t & n_tensors, uint64_t & n_kv) {
        if (size_ < 4 || std::memcmp(base_, k_magic, 4) != 0) {
            if (size_ < 4 && std::memcmp(base_, k_magic, (size_t)size_) == 0) {
                throw_error(status::gguf_truncated, "truncated file: only %llu bytes of the GGUF magic", (ull)size_);
            }
            throw_error(status::gguf_bad_magic, "not a GGUF file: it starts with %02x %02x %02x %02x, not \"GGUF\"",
                        base_[0], size_ > 1 ? base_[1] : 0, size_ > 2 ? base_[2] : 0, size_ > 3 ? base_[3] : 0);
        }
        pos_ = 4;
        const uint32_t version = read<uint32_t>("the version field");
        const uint32_t swapped = ((version & 0xFF) << 24) | ((version & 0xFF00) << 8) | ((version >> 8) & 0xFF00) | (version >> 24);
        if ((version & 0xFFFF) == 0 && swapped >= 1 && swapped <= 3) {
            throw_error(status::gguf_unsupported_version,
                        "big-endian GGUF file (byte-swapped version %u); only little-endian files are supported", swapped);
        }
        if (version != 2 && version != 3) {
            throw_error(status::gguf_unsupported_version, "GGUF version %u is not supported (only versions 2 and 3)", version);
        }
        f_.version_ = version;
        n_tensors = read<uint64_t>("the tensor count");
        n_kv = read<uint64_t>("the metadata count");
        const uint64_t rem = remaining();
        if (n_tensors > rem / k_min_tensor_bytes) {
            throw_error(status::gguf_truncated, "tensor count %llu needs at least %llu bytes per tensor info, but only %llu bytes remain in the %llu-byte file",
                        (ull)n_tensors, (ull)k_min_tensor_bytes, (ull)rem, (ull)size_);
        }
        if (n_kv > rem / k_min_kv_bytes || n_kv * k_min_kv_bytes > rem - n_tensors * k_min_tensor_bytes) {
            throw_error(status::gguf_truncated, "metadata count %llu needs at least %llu bytes per entry, but only %llu bytes remain in the %llu-byte file",
                        (ull)n_kv, (ull)k_min_kv_bytes, (ull)rem, (ull)size_);
        }
    }

    void parse_kvs(uint64_t n_kv) {
        f_.kvs_.reserve((size_t)std::min<uint64_t>(n_kv, k_max_reserve));
        for (uint64_t i = 0; i < n_kv; i++) {
            const uint64_t at = pos_;
            char what[64];
            std::snprintf(what, sizeof(what), "the key of metadata entry %llu", (ull)i);
            const std::string_view key = read_string(what);
            if (key.empty()) throw_error(status::gguf_corrupt, "metadata entry %llu at offset %llu has an empty key", (ull)i, (ull)at);
            if (!utf8_valid((const uint8_t *)key.data(), key.size())) {
                throw_error(status::gguf_corrupt, "the key of metadata entry %llu at offset %llu is not valid UTF-8", (ull)i, (ull)at);
            }
            const auto dup = f_.kv_index_.find(key);
            if (dup != f_.kv_index_.end()) {
                throw_error(status::gguf_corrupt, "duplicate metadata key \"%s\" at offset %llu (first at offset %llu)",
                            printable(key).c_str(), (ull)at, (ull)f_.kvs_[dup->second].file_offset);
            }
            const uint32_t type = read<uint32_t>("a value type");
            gguf_kv kv;
            kv.key = std::string(key);
            kv.file_offset = at;
            kv.value = parse_value(type, key, 0);
            f_.kv_index_.emplace(key, f_.kvs_.size());
            f_.kvs_.push_back(std::move(kv));
        }
    }

    uint64_t min_elem_bytes(gguf_type t) const {
        if (t == gguf_type::string) return 8;
        if (t == gguf_type::array) return k_array_head_bytes;
        return gguf_type_size(t);
    }

    gguf_value_view parse_value(uint32_t type_id, std::string_view key, int depth) {
        if (type_id >= GGUF_TYPE_COUNT) {
            throw_error(status::gguf_corrupt, "metadata key \"%s\": unknown value type %u at offset %llu",
                        printable(key).c_str(), type_id, (ull)(pos_ - 4));
        }
        gguf_value_view v;
        v.type = (gguf_type)type_id;
        v.data = base_ + pos_;
        if (v.type == gguf_type::string) {
            const std::string what = "the value of \"" + printable(key) + "\"";
            v.count = v.n_bytes = read_string(what.c_str()).size();
            v.data = base_ + pos_ - v.count;
        } else if (v.type == gguf_type::array) {
            parse_array(v, key, depth);
        } else {
            v.count = 1;
            v.n_bytes = gguf_type_size(v.type);
            need(v.n_bytes, "a metadata value");
            pos_ += v.n_bytes;
        }
        return v;
    }

    void parse_array(gguf_value_view & v, std::string_view key, int depth) {
        if (depth >= k_max_array_depth) {
            throw_error(status::gguf_corrupt, "metadata key \"%s\": arrays nested deeper than %d levels at offset %llu",
                        printable(key).c_str(), k_max_array_depth, (ull)pos_);
        }
        const uint32_t et = read<uint32_t>("an array element type");
        if (et >= GGUF_TYPE_COUNT) {
            throw_error(status::gguf_corrupt, "metadata key \"%s\": unknown array element type %u at offset %llu",
                        printable(key).c_str(), et, (ull)(pos_ - 4));
        }
        v.elem_type = (gguf_type)et;
        v.count = read<uint64_t>("an array length");
        const uint64_t min = min_elem_bytes(v.elem_type);
        if (v.count > remaining() / min) {
            throw_error(status::gguf_truncated, "metadata key \"%s\": array of %llu %s elements (at least %llu bytes each) at offset %llu exceeds the %llu-byte file (%llu bytes left)",
                        printable(key).c_str(), (ull)v.count, gguf_type_name(v.elem_type), (ull)min, (ull)(pos_ - 8), (ull)size_, (ull)remaining());
        }
        const uint64_t start = pos_;
        if (v.elem_type == gguf_type::string) {
            const std::string what = "an element of \"" + printable(key) + "\"";
            for (uint64_t i = 0; i < v.count; i++) read_string(what.c_str());
        } else if (v.elem_type == gguf_type::array) {
            for (uint64_t i = 0; i < v.count; i++) parse_value((uint32_t)gguf_type::array, key, depth + 1);
        } else {
            pos_ += v.count * min;  // checked above: count * min <= remaining
        }
        v.data = base_ + start;
        v.n_bytes = pos_ - start;
    }

    void parse_alignment() {
        const auto it = f_.kv_index_.find("general.alignment");
        if (it == f_.kv_index_.end()) return;
        const gguf_value_view & v = f_.kvs_[it->second].value;
        if (v.type != gguf_type::u32) {
            throw_error(status::gguf_corrupt, "general.alignment has type %s, expected u32", gguf_type_name(v.type));
        }
        const uint32_t a = v.scalar_at<uint32_t>();
        if (a == 0 || (a & (a - 1)) != 0) throw_error(status::gguf_corrupt, "general.alignment %u is not a power of two", a);
        f_.alignment_ = a;
    }

    void parse_tensor_infos(uint64_t n) {
        if (n > remaining() / k_min_tensor_bytes) {
            throw_error(status::gguf_truncated, "tensor count %llu needs at least %llu bytes per tensor info, but only %llu bytes remain after the metadata (offset %llu) in the %llu-byte file",
                        (ull)n, (ull)k_min_tensor_bytes, (ull)remaining(), (ull)pos_, (ull)size_);
        }
        f_.tensors_.reserve((size_t)std::min<uint64_t>(n, k_max_reserve));
        for (uint64_t i = 0; i < n; i++) f_.tensors_.push_back(parse_tensor_info(i));
    }

    std::string_view read_tensor_name(uint64_t i, uint64_t at) {
        char what[64];
        std::snprintf(what, sizeof(what), "the name of tensor %llu", (ull)i);
        const std::string_view name = read_string(what);
        if (name.empty()) throw_error(status::gguf_corrupt, "tensor %llu at offset %llu has an empty name", (ull)i, (ull)at);
        if (!utf8_valid((const uint8_t *)name.data(), name.size())) {
            throw_error(status::gguf_corrupt, "the name of tensor %llu at offset %llu is not valid UTF-8", (ull)i, (ull)at);
        }
        // Index keys view the name bytes in the mapping, which never move.
        if (!f_.tensor_index_.emplace(name, f_.tensors_.size()).second) {
            throw_error(status::gguf_corrupt, "duplicate tensor name \"%s\" at offset %llu", printable(name).c_str(), (ull)at);
        }
        return name;
    }

    gguf_tensor_info parse_tensor_info(uint64_t i) {
        const uint64_t at = pos_;
        gguf_tensor_info t;
        const std::string_view name = read_tensor_name(i, at);
        t.name = std::string(name);
        const std::string shown = printable(name);
        t.n_dims = read<uint32_t>("a tensor's dimension count");
        if (t.n_dims < 1 || t.n_dims > 4) {
            throw_error(status::gguf_corrupt, "tensor \"%s\" has %u dimensions (1 to 4 allowed)", shown.c_str(), t.n_dims);
        }
        uint64_t n_elements = 1;
        for (uint32_t d = 0; d < t.n_dims; d++) {
            const uint64_t ne = read<uint64_t>("a tensor dimension");
            if (ne == 0 || ne > (uint64_t)std::numeric_limits<int64_t>::max()) {
                throw_error(status::gguf_corrupt, "tensor \"%s\": dimension %u is %llu (must be 1 to 2^63-1)", shown.c_str(), d, (ull)ne);
            }
            if (mul_overflows(n_elements, ne, (uint64_t)std::numeric_limits<int64_t>::max())) {
                throw_error(status::gguf_corrupt, "tensor \"%s\": element count overflows 64 bits", shown.c_str());
            }
            n_elements *= ne;
            t.ne[d] = (int64_t)ne;
        }
        t.n_elements = (int64_t)n_elements;
        t.ggml_type = read<uint32_t>("a tensor type");
        t.traits = ggml_type_get_traits(t.ggml_type);
        if (!t.traits) {
            throw_error(status::unsupported_tensor_type, "tensor \"%s\" has unknown GGML type id %u", shown.c_str(), t.ggml_type);
        }
        if (t.ne[0] % t.traits->block_size != 0) {
            throw_error(status::gguf_corrupt, "tensor \"%s\": row length %lld is not a multiple of the %s block size %lld",
                        shown.c_str(), (long long)t.ne[0], t.traits->name, (long long)t.traits->block_size);
        }
        const uint64_t n_blocks = n_elements / (uint64_t)t.traits->block_size;
        if (mul_overflows(n_blocks, t.traits->type_size, std::numeric_limits<uint64_t>::max())) {
            throw_error(status::gguf_corrupt, "tensor \"%s\": byte size overflows 64 bits", shown.c_str());
        }
        t.n_bytes = n_blocks * t.traits->type_size;
        t.offset = read<uint64_t>("a tensor data offset");
        if (t.offset % f_.alignment_ != 0) {
            throw_error(status::gguf_misaligned, "tensor \"%s\": data offset %llu is not a multiple of the alignment %u",
                        shown.c_str(), (ull)t.offset, f_.alignment_);
        }
        return t;
    }

    void place_tensor_data() {
        for (gguf_tensor_info & t : f_.tensors_) {
            const uint64_t max = std::numeric_limits<uint64_t>::max();
            const bool overflow = t.offset > max - f_.data_offset_ || t.n_bytes > max - (f_.data_offset_ + t.offset);
            if (overflow || f_.data_offset_ + t.offset + t.n_bytes > size_) {
                throw_error(status::gguf_truncated, "tensor \"%s\": data at offset %llu + %llu (%llu bytes) runs past the end of the %llu-byte file",
                            printable(t.name).c_str(), (ull)f_.data_offset_, (ull)t.offset, (ull)t.n_bytes, (ull)size_);
            }
            t.file_offset = f_.data_offset_ + t.offset;
        }
    }

};

std::unique_ptr<gguf_file> gguf_file::open(const std::string & path) {
    std::unique_ptr<gguf_file> f(new gguf_file());
    f->map_ = std::make_unique<mapped_file>(path);
    gguf_parser(*f).parse();
    return f;
}

} // namespace ifl
