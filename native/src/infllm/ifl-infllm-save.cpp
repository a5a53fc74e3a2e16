// ifl-infllm-save.cpp — writes a saved memory into a temp folder and moves it into place.
#include "infllm/ifl-infllm-save.h"

#include <cstring>

#include "ifl-crc32c.h"
#include "ifl-error.h"
#include "ifl-file-io.h"
#include "infllm/ifl-infllm-block-file.h"
#include "infllm/ifl-infllm-open.h"

namespace ifl {

namespace {

struct save_ctx {
    infllm_memory &   mem;
    const std::string tmp;
    memory_manifest   man;
    save_result       res;
};

void add_file(save_ctx & c, memory_file_entry e) {
    c.res.bytes += e.bytes;
    c.res.files += 1;
    c.man.files.push_back(std::move(e));
}

void write_small(save_ctx & c, const char * name, const void * data, size_t n) {
    file_writer w(path_join(c.tmp, name));
    w.write(data, n);
    w.finish();
    memory_file_entry e;
    e.name = name;
    e.bytes = (int64_t)w.bytes();
    e.crc = w.crc();
    add_file(c, std::move(e));
}

// End of the run of blocks starting at b that is exactly one whole sealed segment (b: none).
int64_t linkable_end(const block_store & bs, int64_t b) {
    const kv_block & blk = bs.at(b);
    const block_segment * sg = blk.segment();
    if (!sg || !sg->sealed() || blk.segment_index() != 0) return b;
    const int64_t n = sg->n_records();
    if (b + n > bs.size()) return b;
    for (int64_t k = 1; k < n; ++k)
        if (bs.at(b + k).segment() != sg || bs.at(b + k).segment_index() != k) return b;
    return b + n;
}

void save_layer_blocks(save_ctx & c, int il, const block_store & bs, const crc32c_op & op, int64_t rec_bytes) {
    int seg = 0;
    for (int64_t b = 0; b < bs.size();) {
        char name[48];
        std::snprintf(name, sizeof name, "blocks-L%03d-%02d.bin", il, seg++);
        memory_file_entry e;
        e.name = name;
        e.layer = il;
        e.first_block = b;
        const int64_t end = linkable_end(bs, b);
        if (end > b) {  // a whole sealed segment: link it, its CRC follows from the blocks' CRCs
            if (link_or_copy(bs.at(b).segment()->path(), path_join(c.tmp, name))) c.res.linked_files += 1;
            for (int64_t k = b; k < end; ++k) e.crc = crc32c_shift(op, e.crc) ^ bs.at(k).crc();
            e.n_blocks = end - b;
            e.bytes = e.n_blocks * rec_bytes;
            b = end;
        } else {  // RAM blocks (or parts of segments other memories still write): write them out
            int64_t j = b + 1;
            while (j < bs.size() && linkable_end(bs, j) == j) ++j;
            file_writer w(path_join(c.tmp, name));
            for (int64_t k = b; k < j; ++k) {
                bs.at(k).check();  // never propagate an unverified corrupt block under a fresh checksum
                w.write(bs.at(k).record(), (size_t)rec_bytes);
            }
            w.finish();
            e.crc = w.crc();
            e.n_blocks = j - b;
            e.bytes = (int64_t)w.bytes();
            b = j;
        }
        add_file(c, std::move(e));
    }
}

template <class T>
void put(std::vector<uint8_t> & out, const T & v) {
    const size_t n = out.size();
    out.resize(n + sizeof(T));
    std::memcpy(out.data() + n, &v, sizeof(T));
}

void put_rows(std::vector<uint8_t> & out, const float * rows, int64_t n_floats) {
    const size_t n = out.size();
    out.resize(n + (size_t)n_floats * 4);
    if (n_floats > 0) std::memcpy(out.data() + n, rows, (size_t)n_floats * 4);
}

void put_bytes(std::vector<uint8_t> & out, const void * data, int64_t bytes) {
    const size_t n = out.size();
    out.resize(n + (size_t)bytes);
    if (bytes > 0) std::memcpy(out.data() + n, data, (size_t)bytes);
}

// state.bin (see ifl-infllm-open.h), reprs.bin, block-crcs.bin.
void save_state(save_ctx & c) {
    const attn_layout & lay = c.mem.layout();
    const int64_t d = lay.head_dim, n_init = c.mem.settings().n_init;
    std::vector<uint8_t> st, reprs, crcs;
    st.insert(st.end(), k_state_magic, k_state_magic + 8);
    put<uint32_t>(st, k_state_version);
    put<uint32_t>(st, (uint32_t)lay.n_layer);
    put<int64_t>(st, c.mem.n_past());
    for (int il = 0; il < lay.n_layer; ++il) {
        const infllm_layer & L = c.mem.layer(il);
        const int64_t init_len = L.init_len(), live = L.rem_end() - L.rem_start();
        for (int64_t v : {init_len, L.n_blocks(), L.rem_start(), L.rem_end()}) put<int64_t>(st, v);
        for (const float * a : {L.init_k(), L.init_v()})
            for (int h = 0; h < lay.n_head_kv; ++h) put_rows(st, a + h * n_init * d, init_len * d);
        for (const float * a : {L.rem_k_raw(L.rem_start()), L.rem_v(L.rem_start())})
            for (int h = 0; h < lay.n_head_kv; ++h) put_rows(st, a + h * L.rem_head_stride(), live * d);
        put_rows(st, L.rem_score(L.rem_start()), live * lay.n_head);
        for (int64_t b = 0; b < L.n_blocks(); ++b) {
            put_bytes(reprs, L.reprs().row_data(b), L.reprs().row_bytes());
            put<uint32_t>(crcs, L.blocks().at(b).crc());
        }
    }
    write_small(c, "state.bin", st.data(), st.size());
    write_small(c, "reprs.bin", reprs.data(), reprs.size());
    write_small(c, "block-crcs.bin", crcs.data(), crcs.size());
}

void check_target(const std::string & dir) {
    if (!path_exists(dir)) return;
    if (!path_is_dir(dir)) throw_error(status::invalid_argument, "cannot save a memory to %s: it is a file", dir.c_str());
    if (file_size_or_missing(path_join(dir, "manifest.json")) >= 0) return;
    if (!path_is_empty_dir(dir))
        throw_error(status::invalid_argument, "cannot save a memory to %s: the folder exists and is not a saved memory",
                    dir.c_str());
}

// Moves the finished temp folder to `dir` (see the header).
void commit(const std::string & tmp, const std::string & dir, const std::string & parent) {
    if (!path_exists(dir)) {
        rename_path(tmp, dir);
    } else if (exchange_dirs(tmp, dir)) {
        remove_tree(tmp, true);  // now the old memory
    } else {
        const std::string old = path_join(parent, "." + path_filename(dir) + ".old-" + random_hex16());
        rename_path(dir, old);
        rename_path(tmp, dir);
        remove_tree(old, true);
    }
    fsync_dir(parent.empty() ? "." : parent);
}

} // namespace

save_result infllm_save(infllm_memory & mem, const memory_model_id & model, const int32_t * tokens, int64_t n_tokens,
                        const std::string & dir, const save_options & opt) {
    if (n_tokens != mem.n_past())
        throw_error(status::invalid_argument, "save: %lld history tokens for a memory of %lld", (long long)n_tokens,
                    (long long)mem.n_past());
    if (dir.empty()) throw_error(status::invalid_argument, "save: the folder name is empty");
    check_target(dir);
    const std::string parent = path_parent(dir);
    if (!parent.empty()) make_dirs(parent);
    const std::string tmp = path_join(parent, "." + path_filename(dir) + ".saving-" + random_hex16());
    make_dirs(tmp);
    save_ctx c{mem, tmp, {}, {}};
    try {
        mem.seal_blocks();
        const attn_layout & lay = mem.layout();
        const kv_block_shape sh{lay.n_head, lay.n_head_kv, lay.head_dim, mem.settings().block_size};
        const int64_t rec_bytes = kv_block_layout::make(sh, mem.settings().kv).bytes;
        const crc32c_op op = crc32c_zeros_op((uint64_t)rec_bytes);
        for (int il = 0; il < lay.n_layer; ++il) save_layer_blocks(c, il, mem.layer(il).blocks(), op, rec_bytes);
        if (opt.hook) opt.hook("blocks");
        save_state(c);
        write_small(c, "tokens.bin", tokens, (size_t)n_tokens * 4);
        if (opt.hook) opt.hook("files");
        c.man.engine_version = opt.engine_version;
        c.man.created_at = iso_time_now();
        c.man.model = model;
        c.man.settings = mem.settings();
        c.man.settings_hash = infllm_settings_hash(mem.settings());
        c.man.n_tokens = n_tokens;
        c.man.n_blocks = mem.layer(0).n_blocks();
        c.man.record_bytes = rec_bytes;
        const std::string text = manifest_to_json(c.man);
        file_writer w(path_join(tmp, "manifest.json"));
        w.write(text.data(), text.size());
        w.finish();
        c.res.bytes += (int64_t)text.size();
        c.res.files += 1;
        fsync_dir(tmp);
        if (opt.hook) opt.hook("manifest");
        commit(tmp, dir, parent);
    } catch (...) {
        remove_tree(tmp, true);
        throw;
    }
    c.res.dir = dir;
    c.res.settings_hash = c.man.settings_hash;
    c.res.n_tokens = n_tokens;
    c.res.n_blocks = c.man.n_blocks;
    return c.res;
}

} // namespace ifl
