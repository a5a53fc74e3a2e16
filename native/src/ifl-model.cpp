// ifl-model.cpp — model loading: architecture and hyperparameters, tensor validation (presence,
// shape, type), weight views into the mapping, fingerprint, and paging the weights in.
#include "ifl-model.h"

#include <algorithm>
#include <cstring>

#include "cpu/ifl-kernels.h"
#include "ifl-error.h"
#include "ifl-sha256.h"

namespace ifl {

namespace {

constexpr uint64_t k_touch_chunk = 8ull << 20;  // bytes paged in between progress/cancel checks
constexpr uint64_t k_page = 4096;

std::string dims_str(const int64_t * ne, int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

// Looks tensors up by name and checks them against what the forward pass expects.
class tensor_checker {
public:
    tensor_checker(const gguf_file & f, uint64_t & bytes) : f_(f), bytes_(bytes) {}

    // nullptr when absent and !required; MISSING_TENSOR when absent and required.
    const gguf_tensor_info * find(const std::string & name, bool required) const {
        const gguf_tensor_info * t = f_.find_tensor(name);
        if (!t && required) throw_error(status::missing_tensor, "tensor \"%s\" is missing from the model file", name.c_str());
        return t;
    }

    // Shape [ne0, ne1] (innermost first, as GGUF stores it) and a supported type.
    const gguf_tensor_info & check(const gguf_tensor_info & t, int64_t ne0, int64_t ne1, int n_dims) {
        const int64_t want[4] = {ne0, ne1, 1, 1};
        bool ok = true;
        for (int i = 0; i < 4; ++i) ok = ok && t.ne[i] == want[i];
        if (!ok)
            throw_error(status::bad_tensor_shape, "tensor \"%s\" has shape %s, expected %s", t.name.c_str(),
                        dims_str(t.ne, (int)std::max<uint32_t>(t.n_dims, 1)).c_str(), dims_str(want, n_dims).c_str());
        if (!t.traits->supported)
            throw_error(status::unsupported_tensor_type, "tensor \"%s\" has type %s, which this engine does not support",
                        t.name.c_str(), t.traits->name);
        if (ne0 % t.traits->block_size != 0)  // the GGUF reader checks this too; kept as a guard
            throw_error(status::bad_tensor_shape, "tensor \"%s\": row length %lld is not a multiple of the %s block size %lld",
                        t.name.c_str(), (long long)ne0, t.traits->name, (long long)t.traits->block_size);
        bytes_ += t.n_bytes;
        return t;
    }

    // A matrix of n_out rows of n_in elements.
    weight_view matrix(const std::string & name, int64_t n_in, int64_t n_out) {
        const gguf_tensor_info & t = check(*find(name, true), n_in, n_out, 2);
        return view(t);
    }

    weight_view view(const gguf_tensor_info & t) const {
        return weight_view{(ggml_type)t.ggml_type, f_.tensor_data(t), t.ne[0], t.ne[1], ggml_row_size(*t.traits, t.ne[0])};
    }

    // A vector of n values converted to float32; empty when absent and !required.
    std::vector<float> vec(const std::string & name, int64_t n, bool required) {
        const gguf_tensor_info * t = find(name, required);
        if (!t) return {};
        check(*t, n, 1, 1);
        std::vector<float> out((size_t)n);
        dequantize_row((ggml_type)t->ggml_type, f_.tensor_data(*t), out.data(), n);
        return out;
    }

private:
    const gguf_file & f_;
    uint64_t &        bytes_;
};

// The first byte of the mapping: tensor_data() of a tensor whose absolute offset is 0.
const uint8_t * file_bytes(const gguf_file & f) { return f.tensor_data(gguf_tensor_info{}); }

// Reads every page of the data section once, reporting progress in [from, 1].
void touch_pages(const gguf_file & f, const model_load_params & params, float from) {
    const uint64_t begin = f.data_offset(), end = f.file_size();
    const uint8_t * data = file_bytes(f);
    uint8_t acc = 0;
    for (uint64_t off = begin; off < end;) {
        if (params.cancel && params.cancel->load(std::memory_order_relaxed))
            throw_error(status::cancelled, "model load cancelled");
        const uint64_t stop = std::min(end, off + k_touch_chunk);
        for (; off < stop; off += k_page) acc ^= *(const volatile uint8_t *)(data + off);
        off = stop;
        if (params.on_progress) params.on_progress(from + (1.0f - from) * (float)((double)(off - begin) / (double)(end - begin)));
    }
    (void)acc;  // the reads are volatile, so they happen even though the value is unused
}

} // namespace

std::string model_fingerprint(const gguf_file & f) {
    const uint8_t * data = file_bytes(f);
    sha256 h;
    const char tag[] = "infllm-fingerprint-v1";
    h.update(tag, sizeof(tag));  // includes the terminating 0 byte
    uint8_t size_le[8];
    for (int i = 0; i < 8; ++i) size_le[i] = (uint8_t)(f.file_size() >> (8 * i));
    h.update(size_le, 8);
    h.update(data, (size_t)f.data_offset());
    const uint64_t data_size = f.file_size() - f.data_offset();
    if (data_size <= k_fp_windows * k_fp_window) {
        h.update(data + f.data_offset(), (size_t)data_size);
    } else {
        for (uint64_t i = 0; i < k_fp_windows; ++i) {
            const uint64_t at = f.data_offset() + i * (data_size - k_fp_window) / (k_fp_windows - 1);
            h.update(data + at, (size_t)k_fp_window);
        }
    }
    return h.hex_digest();
}

void model::load_weights() {
    const model_hparams & hp = hp_;
    const arch_traits & a = arch_from_file(*file_);
    tensor_checker tc(*file_, weight_bytes_);
    tok_embd_ = tc.matrix("token_embd.weight", hp.n_embd, hp.n_vocab);
    output_norm_ = tc.vec("output_norm.weight", hp.n_embd, true);
    if (tc.find("output.weight", false)) {
        output_ = tc.matrix("output.weight", hp.n_embd, hp.n_vocab);
    } else {
        output_ = tok_embd_;
        tied_ = true;
    }
    hp_.rope.freq_factors = tc.vec("rope_freqs.weight", hp.rope.n_dims / 2, false);
    layers_.resize((size_t)hp.n_layer);
    for (int il = 0; il < hp.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        layer_weights & L = layers_[(size_t)il];
        L.attn_norm = tc.vec(p + "attn_norm.weight", hp.n_embd, true);
        L.wq = tc.matrix(p + "attn_q.weight", hp.n_embd, hp.q_dim());
        L.wk = tc.matrix(p + "attn_k.weight", hp.n_embd, hp.kv_dim());
        L.wv = tc.matrix(p + "attn_v.weight", hp.n_embd, hp.kv_dim());
        L.wo = tc.matrix(p + "attn_output.weight", hp.q_dim(), hp.n_embd);
        L.bq = tc.vec(p + "attn_q.bias", hp.q_dim(), a.qkv_bias);
        L.bk = tc.vec(p + "attn_k.bias", hp.kv_dim(), a.qkv_bias);
        L.bv = tc.vec(p + "attn_v.bias", hp.kv_dim(), a.qkv_bias);
        L.bo = tc.vec(p + "attn_output.bias", hp.n_embd, false);
        if (a.qk_norm) {
            L.q_norm = tc.vec(p + "attn_q_norm.weight", hp.head_dim, true);
            L.k_norm = tc.vec(p + "attn_k_norm.weight", hp.head_dim, true);
        }
        if (tc.find(p + "ffn_gate_inp.weight", false))
            throw_error(status::unsupported_architecture, "%s with mixture-of-experts layers (tensor \"%sffn_gate_inp.weight\") is not supported",
                        a.name, p.c_str());
        L.ffn_norm = tc.vec(p + "ffn_norm.weight", hp.n_embd, true);
        L.ffn_gate = tc.matrix(p + "ffn_gate.weight", hp.n_embd, hp.n_ff);
        L.ffn_up = tc.matrix(p + "ffn_up.weight", hp.n_embd, hp.n_ff);
        L.ffn_down = tc.matrix(p + "ffn_down.weight", hp.n_ff, hp.n_embd);
    }
}

std::unique_ptr<model> model::load(const std::string & path, const model_load_params & params) {
    std::unique_ptr<model> m(new model());
    if (params.on_progress) params.on_progress(0.0f);
    m->file_ = gguf_file::open(path);
    const arch_traits & a = arch_from_file(*m->file_);
    m->hp_ = hparams_from_file(*m->file_, a);
    m->numerics_ = params.num;
    m->load_weights();
    for (const gguf_tensor_info & t : m->file_->tensors()) m->type_counts_[t.traits->name]++;
    m->fingerprint_ = model_fingerprint(*m->file_);
    constexpr float k_validated = 0.02f;  // share of the progress bar before paging in
    if (params.on_progress) params.on_progress(k_validated);
    if (params.touch_pages) touch_pages(*m->file_, params, k_validated);
    if (params.cancel && params.cancel->load()) throw_error(status::cancelled, "model load cancelled");
    if (params.on_progress) params.on_progress(1.0f);
    return m;
}

} // namespace ifl
