// ifl-infllm-open.cpp — validates a saved memory folder and rebuilds the memory from it.
#include "infllm/ifl-infllm-open.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "ifl-crc32c.h"
#include "ifl-error.h"
#include "ifl-file-io.h"
#include "ifl-mmap.h"

namespace ifl {

namespace {

constexpr status C = status::memory_corrupt;
constexpr int64_t k_max_manifest = int64_t(16) << 20;

// A verified small file: its bytes (mapped; empty files have none).
struct small_file {
    std::shared_ptr<mapped_file> map;
    const uint8_t * data() const { return map ? map->data() : nullptr; }
    int64_t size() const { return map ? (int64_t)map->size() : 0; }
};

// Bounds-checked reader over state.bin.
class cursor {
public:
    cursor(const uint8_t * p, int64_t n, const std::string & path) : p_(p), n_(n), path_(path) {}
    const uint8_t * take(int64_t bytes) {
        if (bytes < 0 || bytes > n_ - off_)
            throw_error(C, "saved memory is corrupt: %s ends early (offset %lld, %lld more bytes needed)", path_.c_str(),
                        (long long)off_, (long long)bytes);
        const uint8_t * r = p_ + off_;
        off_ += bytes;
        return r;
    }
    template <class T> T get() {
        T v;
        std::memcpy(&v, take(sizeof(T)), sizeof(T));
        return v;
    }
    const float * floats(int64_t n) { return reinterpret_cast<const float *>(take(n * 4)); }
    bool done() const { return off_ == n_; }

private:
    const uint8_t * p_;
    int64_t         n_, off_ = 0;
    const std::string & path_;
};

struct open_ctx {
    std::string                              dir;
    memory_manifest                          man;
    std::map<std::string, memory_file_entry> files;   // small files by name
    std::vector<std::vector<memory_file_entry>> segs;  // [layer] segments by first block
};

void check_size(const std::string & path, const memory_file_entry & e) {
    const int64_t n = file_size_or_missing(path);
    if (n < 0) throw_error(C, "saved memory is corrupt: %s is missing", path.c_str());
    if (n != e.bytes)
        throw_error(C, "saved memory is corrupt: %s has %lld bytes, the manifest says %lld (%s)", path.c_str(), (long long)n,
                    (long long)e.bytes, n < e.bytes ? "truncated" : "grown");
}

small_file load_small(const open_ctx & c, const char * name) {
    const auto it = c.files.find(name);
    if (it == c.files.end()) throw_error(C, "saved memory is corrupt: %s lists no %s", c.dir.c_str(), name);
    small_file f;
    const std::string path = path_join(c.dir, name);
    if (it->second.bytes > 0) {
        f.map = std::make_shared<mapped_file>(path);
        if (crc32c(f.map->data(), (size_t)f.map->size()) != it->second.crc)
            throw_error(C, "saved memory is corrupt: %s fails its checksum", path.c_str());
    } else if (it->second.crc != 0) {
        throw_error(C, "saved memory is corrupt: %s fails its checksum", path.c_str());
    }
    return f;
}

// Sorts the file table: small files by name, segments per layer (they must tile every layer).
void index_files(open_ctx & c, int n_layer) {
    c.segs.assign((size_t)n_layer, {});
    for (const auto & e : c.man.files) {
        check_size(path_join(c.dir, e.name), e);
        if (e.layer >= 0) {
            if (e.layer >= n_layer) throw_error(C, "saved memory is corrupt: %s: segment %s of layer %d", c.dir.c_str(), e.name.c_str(), e.layer);
            if (e.n_blocks > c.man.n_blocks || e.bytes != e.n_blocks * c.man.record_bytes)
                throw_error(C, "saved memory is corrupt: %s: segment %s size", c.dir.c_str(), e.name.c_str());
            c.segs[(size_t)e.layer].push_back(e);
        } else if (e.name == "tokens.bin" || e.name == "state.bin" || e.name == "reprs.bin" || e.name == "block-crcs.bin") {
            if (!c.files.emplace(e.name, e).second) throw_error(C, "saved memory is corrupt: %s lists %s twice", c.dir.c_str(), e.name.c_str());
        } else {
            throw_error(C, "saved memory is corrupt: %s lists an unknown file %s", c.dir.c_str(), e.name.c_str());
        }
    }
    for (auto & v : c.segs) {
        std::sort(v.begin(), v.end(), [](const memory_file_entry & a, const memory_file_entry & b) { return a.first_block < b.first_block; });
        int64_t next = 0;
        for (const auto & e : v) {
            if (e.first_block != next) throw_error(C, "saved memory is corrupt: %s: block segments leave a gap", c.dir.c_str());
            next += e.n_blocks;
        }
        if (next != c.man.n_blocks) throw_error(C, "saved memory is corrupt: %s: segments hold %lld blocks, expected %lld", c.dir.c_str(), (long long)next, (long long)c.man.n_blocks);
    }
}

// Parses state.bin into per-layer states (pointers into the mapping) and checks the bookkeeping.
std::vector<infllm_layer_state> parse_state(const open_ctx & c, const small_file & f, const attn_layout & lay) {
    const std::string path = path_join(c.dir, "state.bin");
    const infllm_settings & s = c.man.settings;
    cursor cur(f.data(), f.size(), path);
    if (std::memcmp(cur.take(8), k_state_magic, 8) != 0) throw_error(C, "saved memory is corrupt: %s: bad magic", path.c_str());
    if (cur.get<uint32_t>() != k_state_version || cur.get<uint32_t>() != (uint32_t)lay.n_layer || cur.get<int64_t>() != c.man.n_tokens)
        throw_error(C, "saved memory is corrupt: %s: header does not match the manifest", path.c_str());
    const int64_t d = lay.head_dim;
    std::vector<infllm_layer_state> out((size_t)lay.n_layer);
    for (auto & st : out) {
        st.init_len = cur.get<int64_t>();
        const int64_t nb = cur.get<int64_t>();
        st.rem_start = cur.get<int64_t>();
        st.rem_end = cur.get<int64_t>();
        const int64_t live = st.rem_end - st.rem_start;
        if (st.init_len < 0 || st.init_len > s.n_init || nb != c.man.n_blocks || st.rem_start != st.init_len + nb * s.block_size ||
            st.rem_end != c.man.n_tokens || live < 0)
            throw_error(C, "saved memory is corrupt: %s: inconsistent layer bookkeeping", path.c_str());
        st.init_k = cur.floats(lay.n_head_kv * st.init_len * d);
        st.init_v = cur.floats(lay.n_head_kv * st.init_len * d);
        st.rem_k = cur.floats(lay.n_head_kv * live * d);
        st.rem_v = cur.floats(lay.n_head_kv * live * d);
        st.rem_score = cur.floats(live * lay.n_head);
    }
    if (!cur.done()) throw_error(C, "saved memory is corrupt: %s has trailing bytes", path.c_str());
    return out;
}

// Maps the segments of every layer and makes their (unverified) blocks; checks each segment's
// CRC against the combination of its blocks' CRCs.
void open_blocks(const open_ctx & c, const small_file & crcs, std::vector<infllm_layer_state> & states, const kv_block_layout & bl) {
    const int64_t nb = c.man.n_blocks;
    if (crcs.size() != (int64_t)states.size() * nb * 4)
        throw_error(C, "saved memory is corrupt: %s has the wrong size", path_join(c.dir, "block-crcs.bin").c_str());
    const crc32c_op op = crc32c_zeros_op((uint64_t)bl.bytes);
    for (size_t il = 0; il < states.size(); ++il) {
        const uint8_t * table = crcs.data() + il * nb * 4;
        for (const auto & e : c.segs[il]) {
            const std::string path = path_join(c.dir, e.name);
            uint32_t combined = 0;
            std::vector<uint32_t> crc((size_t)e.n_blocks);
            for (int64_t k = 0; k < e.n_blocks; ++k) {
                std::memcpy(&crc[(size_t)k], table + (e.first_block + k) * 4, 4);
                combined = crc32c_shift(op, combined) ^ crc[(size_t)k];
            }
            if (combined != e.crc)
                throw_error(C, "saved memory is corrupt: %s does not match its block checksums", path.c_str());
            auto seg = block_segment::open(path, bl.bytes, e.n_blocks);
            for (int64_t k = 0; k < e.n_blocks; ++k)
                states[il].blocks.push_back(std::make_shared<const kv_block>(bl, seg->record(k), seg, seg, k, crc[(size_t)k], false,
                                                                             std::vector<float>()));
        }
    }
}

} // namespace

opened_memory infllm_open(const std::string & dir, const memory_model_id & model, const open_options & opt) {
    if (!path_is_dir(dir)) throw_error(status::file_not_found, "no saved memory at %s (folder not found)", dir.c_str());
    const std::string mpath = path_join(dir, "manifest.json");
    if (file_size_or_missing(mpath) < 0) throw_error(C, "saved memory is corrupt: %s is missing", mpath.c_str());
    open_ctx c;
    c.dir = dir;
    c.man = manifest_parse(read_small_file(mpath, k_max_manifest), model, mpath);
    const std::vector<std::string> diff = infllm_settings_diff(c.man.settings, opt.expected);
    if (!diff.empty()) {
        std::string list;
        for (const auto & d : diff) list += (list.empty() ? "" : ", ") + d;
        throw_error(status::memory_mismatch, "the saved memory %s was made with other settings: %s", dir.c_str(), list.c_str());
    }
    const attn_layout & lay = model.layout;
    const kv_block_layout bl = kv_block_layout::make({lay.n_head, lay.n_head_kv, lay.head_dim, c.man.settings.block_size}, c.man.settings.kv);
    if (c.man.record_bytes != bl.bytes) throw_error(C, "saved memory is corrupt: %s: blockRecordBytes", mpath.c_str());
    if (c.man.n_blocks > c.man.n_tokens / c.man.settings.block_size)  // blocks hold tokens (also keeps products small)
        throw_error(C, "saved memory is corrupt: %s: %lld blocks for %lld tokens", mpath.c_str(), (long long)c.man.n_blocks,
                    (long long)c.man.n_tokens);
    index_files(c, lay.n_layer);
    const small_file tokens = load_small(c, "tokens.bin"), state = load_small(c, "state.bin");
    const small_file reprs = load_small(c, "reprs.bin"), crcs = load_small(c, "block-crcs.bin");
    std::vector<infllm_layer_state> states = parse_state(c, state, lay);
    // [n_layer, n_blocks, n_head * head_dim] in the repr element type of the settings' blocks
    const int64_t row_bytes = (int64_t)lay.n_head * lay.head_dim * (int64_t)kv_type_elem_bytes(repr_type_for(c.man.settings.kv));
    if (reprs.size() != (int64_t)lay.n_layer * c.man.n_blocks * row_bytes)
        throw_error(C, "saved memory is corrupt: %s has the wrong size", path_join(dir, "reprs.bin").c_str());
    for (int il = 0; il < lay.n_layer; ++il) {
        states[(size_t)il].reprs = reprs.data() + (int64_t)il * c.man.n_blocks * row_bytes;
        states[(size_t)il].reprs_owner = reprs.map;
    }
    open_blocks(c, crcs, states, bl);
    opened_memory out;
    if (tokens.size() != c.man.n_tokens * 4) throw_error(C, "saved memory is corrupt: %s has the wrong size", path_join(dir, "tokens.bin").c_str());
    out.tokens.resize((size_t)c.man.n_tokens);
    if (!out.tokens.empty()) std::memcpy(out.tokens.data(), tokens.data(), out.tokens.size() * 4);
    for (int32_t t : out.tokens)
        if (t < 0 || t >= model.n_vocab) throw_error(C, "saved memory is corrupt: %s: token %d", path_join(dir, "tokens.bin").c_str(), t);
    infllm_settings s = c.man.settings;
    s.cache = opt.expected.cache;
    out.mem = std::make_unique<infllm_memory>(lay, s, opt.storage);
    out.mem->restore(c.man.n_tokens, states);
    if (opt.verify_all) infllm_verify_blocks(*out.mem);
    out.manifest = std::move(c.man);
    return out;
}

verify_result infllm_verify_blocks(const infllm_memory & mem) {
    verify_result r;
    for (int il = 0; il < mem.layout().n_layer; ++il) {
        const block_store & bs = mem.layer(il).blocks();
        for (int64_t b = 0; b < bs.size(); ++b) {
            const kv_block & blk = bs.at(b);
            if (blk.verified()) continue;
            blk.check();
            r.blocks += 1;
            r.bytes += blk.record_bytes();
        }
    }
    return r;
}

} // namespace ifl
