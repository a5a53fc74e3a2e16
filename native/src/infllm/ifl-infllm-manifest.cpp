// ifl-infllm-manifest.cpp — manifest writing, self-checksum and validation.
#include "infllm/ifl-infllm-manifest.h"

#include <cinttypes>
#include <cstdio>
#include <ctime>

#include "ifl-crc32c.h"
#include "ifl-error.h"
#include "ifl-json.h"
#include "ifl-sha256.h"

namespace ifl {

namespace {

constexpr const char * k_crc_key = "\"manifestCrc32c\": \"";
using jk = json_value::kind;

std::string hex32(uint32_t v) {
    char buf[12];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

json_value num(double d) { return json_value::make_number(d); }
json_value str(const std::string & s) { return json_value::make_string(s); }

// Position of the checksum's 8 hex digits in the text, or npos when absent / ambiguous.
size_t crc_field_pos(const std::string & text) {
    const size_t p = text.rfind(k_crc_key);
    if (p == std::string::npos || text.find(k_crc_key) != p) return std::string::npos;
    const size_t v = p + std::char_traits<char>::length(k_crc_key);
    return v + 8 <= text.size() ? v : std::string::npos;
}

uint32_t text_crc(std::string text, size_t pos) {
    for (size_t i = 0; i < 8; ++i) text[pos + i] = '0';
    return crc32c(text.data(), text.size());
}

std::string canonical_settings(const infllm_settings & s) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "infllm-reader-memory-settings/1 nInit=%d nLocal=%d blockSize=%d topk=%d reprTopk=%d chunk=%d compat=%d kvType=%s",
                  s.n_init, s.n_local, s.block_size, s.topk, s.repr_topk, s.chunk, s.compat ? 1 : 0, kv_type_name(s.kv));
    return buf;
}

json_value settings_json(const infllm_settings & s) {
    json_value o = json_value::make_object();
    o.set("nInit", num(s.n_init));
    o.set("nLocal", num(s.n_local));
    o.set("blockSize", num(s.block_size));
    o.set("topk", num(s.topk));
    o.set("reprTopk", num(s.repr_topk));
    o.set("chunk", num(s.chunk));
    o.set("compat", json_value::make_bool(s.compat));
    o.set("kvType", str(kv_type_name(s.kv)));
    return o;
}

json_value model_json(const memory_model_id & m) {
    json_value o = json_value::make_object();
    o.set("fingerprint", str(m.fingerprint));
    o.set("architecture", str(m.architecture));
    o.set("nVocab", num((double)m.n_vocab));
    o.set("nLayer", num(m.layout.n_layer));
    o.set("nHead", num(m.layout.n_head));
    o.set("nHeadKv", num(m.layout.n_head_kv));
    o.set("headDim", num(m.layout.head_dim));
    o.set("ropeDims", num(m.layout.rope.n_dims));
    o.set("ropeNeox", json_value::make_bool(m.layout.rope.neox));
    o.set("ropeFreqBase", num(m.layout.rope.freq_base));
    o.set("ropeFreqScale", num(m.layout.rope.freq_scale));
    return o;
}

uint32_t parse_hex32(const std::string & s, const std::string & path, const char * what) {
    uint32_t v = 0;
    if (s.size() != 8) throw_error(status::memory_corrupt, "saved memory is corrupt: %s: bad %s", path.c_str(), what);
    for (char c : s) {
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else throw_error(status::memory_corrupt, "saved memory is corrupt: %s: bad %s", path.c_str(), what);
    }
    return v;
}

infllm_settings parse_settings(const json_value & o, const char * what) {
    constexpr status C = status::memory_corrupt;
    infllm_settings s;
    s.n_init = (int32_t)json_int(o, "nInit", 0, 1 << 24, C, what);
    s.n_local = (int32_t)json_int(o, "nLocal", 1, 1 << 24, C, what);
    s.block_size = (int32_t)json_int(o, "blockSize", 1, 1 << 24, C, what);
    s.topk = (int32_t)json_int(o, "topk", 0, INT32_MAX, C, what);
    s.repr_topk = (int32_t)json_int(o, "reprTopk", 1, 1 << 24, C, what);
    s.chunk = (int32_t)json_int(o, "chunk", 1, 1 << 24, C, what);
    s.compat = json_member(o, "compat", jk::boolean, C, what).as_bool();
    if (!kv_type_parse(json_string(o, "kvType", C, what), &s.kv)) throw_error(C, "%s: bad kvType", what);
    s.cache = s.topk;  // not stored; the caller supplies its own
    return s;
}

void check_model(const json_value & m, const memory_model_id & want, const std::string & path) {
    constexpr status C = status::memory_corrupt;
    const char * what = path.c_str();
    const std::string fp = json_string(m, "fingerprint", C, what);
    if (fp != want.fingerprint)
        throw_error(status::memory_mismatch, "the saved memory %s was made with another model (fingerprint %s; this model is %s)",
                    what, fp.c_str(), want.fingerprint.c_str());
    const attn_layout & l = want.layout;
    const bool same = json_int(m, "nLayer", 1, 1 << 20, C, what) == l.n_layer && json_int(m, "nHead", 1, 1 << 20, C, what) == l.n_head &&
                      json_int(m, "nHeadKv", 1, 1 << 20, C, what) == l.n_head_kv &&
                      json_int(m, "headDim", 1, 1 << 20, C, what) == l.head_dim &&
                      json_int(m, "nVocab", 1, INT64_C(1) << 40, C, what) == want.n_vocab;
    if (!same) throw_error(C, "saved memory is corrupt: %s: the model shape does not match its fingerprint", what);
}

memory_file_entry parse_file(const json_value & f, const char * what) {
    constexpr status C = status::memory_corrupt;
    if (!f.is_object()) throw_error(C, "%s: a file entry is not an object", what);
    memory_file_entry e;
    e.name = json_string(f, "name", C, what);
    for (char c : e.name)  // plain names only: a manifest may never point outside its folder
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
            throw_error(C, "%s: bad file name \"%s\"", what, e.name.c_str());
    if (e.name.empty() || e.name[0] == '.') throw_error(C, "%s: bad file name \"%s\"", what, e.name.c_str());
    e.bytes = json_int(f, "bytes", 0, INT64_C(1) << 50, C, what);
    e.crc = parse_hex32(json_string(f, "crc32c", C, what), what, "crc32c");
    if (f.get("layer")) {
        e.layer = (int)json_int(f, "layer", 0, 1 << 20, C, what);
        e.first_block = json_int(f, "firstBlock", 0, INT64_C(1) << 40, C, what);
        e.n_blocks = json_int(f, "nBlocks", 1, INT64_C(1) << 40, C, what);
    }
    return e;
}

} // namespace

std::string infllm_settings_hash(const infllm_settings & s) {
    sha256 h;
    const std::string c = canonical_settings(s);
    h.update(c.data(), c.size());
    return h.hex_digest();
}

std::vector<std::string> infllm_settings_diff(const infllm_settings & a, const infllm_settings & b) {
    std::vector<std::string> out;
    auto cmp = [&](const char * key, const std::string & x, const std::string & y) {
        if (x != y) out.push_back(std::string(key) + " (saved " + x + ", requested " + y + ")");
    };
    auto i = [](long long v) { return std::to_string(v); };
    cmp("nInit", i(a.n_init), i(b.n_init));
    cmp("nLocal", i(a.n_local), i(b.n_local));
    cmp("blockSize", i(a.block_size), i(b.block_size));
    cmp("topk", i(a.topk), i(b.topk));
    cmp("reprTopk", i(a.repr_topk), i(b.repr_topk));
    cmp("chunk", i(a.chunk), i(b.chunk));
    cmp("compat", a.compat ? "true" : "false", b.compat ? "true" : "false");
    cmp("kvType", kv_type_name(a.kv), kv_type_name(b.kv));
    return out;
}

std::string manifest_to_json(const memory_manifest & m) {
    json_value o = json_value::make_object();
    o.set("format", str(k_memory_format));
    o.set("formatVersion", num(k_memory_format_version));
    o.set("engineVersion", str(m.engine_version));
    o.set("createdAt", str(m.created_at));
    o.set("attention", str("infllm"));
    o.set("model", model_json(m.model));
    o.set("settings", settings_json(m.settings));
    o.set("settingsHash", str(m.settings_hash));
    o.set("kvType", str(kv_type_name(m.settings.kv)));
    o.set("nTokens", num((double)m.n_tokens));
    o.set("nBlocks", num((double)m.n_blocks));
    o.set("blockRecordBytes", num((double)m.record_bytes));
    json_value files = json_value::make_array();
    for (const auto & f : m.files) {
        json_value e = json_value::make_object();
        e.set("name", str(f.name));
        e.set("bytes", num((double)f.bytes));
        e.set("crc32c", str(hex32(f.crc)));
        if (f.layer >= 0) {
            e.set("layer", num(f.layer));
            e.set("firstBlock", num((double)f.first_block));
            e.set("nBlocks", num((double)f.n_blocks));
        }
        files.push(std::move(e));
    }
    o.set("files", std::move(files));
    o.set("manifestCrc32c", str("00000000"));
    std::string text = o.dump() + "\n";
    const size_t pos = crc_field_pos(text);
    IFL_ASSERT(pos != std::string::npos);
    const std::string crc = hex32(text_crc(text, pos));
    text.replace(pos, 8, crc);
    return text;
}

memory_manifest manifest_parse(const std::string & text, const memory_model_id & expected, const std::string & path) {
    constexpr status C = status::memory_corrupt;
    const char * what = path.c_str();
    const json_value o = json_parse(text, C, what);
    if (!o.is_object()) throw_error(C, "saved memory is corrupt: %s is not a JSON object", what);
    const size_t pos = crc_field_pos(text);
    if (pos == std::string::npos || text_crc(text, pos) != parse_hex32(text.substr(pos, 8), path, "manifestCrc32c"))
        throw_error(C, "saved memory is corrupt: %s fails its checksum", what);
    const std::string format = json_string(o, "format", C, what);
    if (format != k_memory_format)
        throw_error(status::memory_mismatch, "%s is a \"%s\" file, not a saved memory (\"%s\")", what, format.c_str(), k_memory_format);
    const int64_t version = json_int(o, "formatVersion", 0, INT32_MAX, C, what);
    if (version != k_memory_format_version)
        throw_error(status::memory_mismatch, "the saved memory %s has format version %lld; this engine reads version %d (%s)",
                    what, (long long)version, k_memory_format_version, version < k_memory_format_version ? "older" : "newer");
    if (json_string(o, "attention", C, what) != "infllm") throw_error(C, "saved memory is corrupt: %s: attention must be infllm", what);
    check_model(json_member(o, "model", jk::object, C, what), expected, path);
    memory_manifest m;
    m.model = expected;
    m.engine_version = json_string(o, "engineVersion", C, what);
    m.created_at = json_string(o, "createdAt", C, what);
    m.settings = parse_settings(json_member(o, "settings", jk::object, C, what), what);
    m.settings_hash = json_string(o, "settingsHash", C, what);
    if (m.settings_hash != infllm_settings_hash(m.settings))
        throw_error(C, "saved memory is corrupt: %s: settingsHash does not match the settings", what);
    if (json_string(o, "kvType", C, what) != kv_type_name(m.settings.kv)) throw_error(C, "saved memory is corrupt: %s: kvType", what);
    m.n_tokens = json_int(o, "nTokens", 0, INT64_C(1) << 40, C, what);
    m.n_blocks = json_int(o, "nBlocks", 0, INT64_C(1) << 40, C, what);
    m.record_bytes = json_int(o, "blockRecordBytes", 0, INT64_C(1) << 40, C, what);
    for (const auto & f : json_member(o, "files", jk::array, C, what).items()) m.files.push_back(parse_file(f, what));
    return m;
}

std::string iso_time_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
#ifdef _WIN32
    gmtime_s(&tm, &t);
#else
    gmtime_r(&t, &tm);
#endif
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace ifl
