// ifl-model.h — a loaded model: hyperparameters, weights pointing into the mapped GGUF file,
// identity (fingerprint) and load-time validation.
//
// Weight matrices are weight_views into the mapping (never copied); 1-D tensors (norms, biases,
// rope_freqs) are small and are converted to owned float32 vectors. Every tensor the forward pass
// uses is checked for presence (MISSING_TENSOR), shape (BAD_TENSOR_SHAPE with expected and
// actual dims) and type (UNSUPPORTED_TENSOR_TYPE naming tensor and type). Tensors the engine
// does not use are ignored.
//
// Fingerprint (model_fingerprint, hex SHA-256, version 1) covers, in this order:
//   the ASCII bytes "infllm-fingerprint-v1" and one 0 byte; the file size as u64 little-endian;
//   the bytes [0, data_offset) of the file (GGUF header, metadata, tensor table, padding);
//   the tensor data section [data_offset, file_size): whole when it is at most
//   k_fp_windows * k_fp_window bytes, else k_fp_windows windows of k_fp_window bytes starting at
//   data_offset + floor(i * (data_size - k_fp_window) / (k_fp_windows - 1)), i = 0..k_fp_windows-1.
// It costs one pass over the header plus 1 MiB of data, so it is cheap for multi-GB files; two
// files that differ only outside the sampled windows of the data get the same fingerprint.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cpu/ifl-matmul.h"
#include "ifl-arch.h"
#include "ifl-gguf.h"

namespace ifl {

constexpr uint64_t k_fp_window  = 64 * 1024;
constexpr uint64_t k_fp_windows = 16;

struct layer_weights {
    std::vector<float> attn_norm;          // [n_embd]
    weight_view        wq, wk, wv, wo;     // [q_dim, n_embd], [kv_dim, n_embd] x2, [n_embd, q_dim] (rows x cols)
    std::vector<float> bq, bk, bv, bo;     // [q_dim], [kv_dim], [kv_dim], [n_embd]; empty when absent
    std::vector<float> q_norm, k_norm;     // [head_dim] (qwen3), empty otherwise
    std::vector<float> ffn_norm;           // [n_embd]
    weight_view        ffn_gate, ffn_up;   // [n_ff, n_embd]
    weight_view        ffn_down;           // [n_embd, n_ff]
};

struct model_load_params {
    // Called with 0..1 while validating and paging in the weights (from the loading thread).
    std::function<void(float)> on_progress;
    // Checked while paging in; when it becomes true the load throws status::cancelled.
    const std::atomic<bool> * cancel = nullptr;
    // Read every page of the tensor data once so that the first eval does not pay the page faults.
    bool touch_pages = true;
    // Numerics of every weight matmul of the forward pass (cpu/ifl-kernels.h): fast quantizes the
    // activations to 8 bits for quantized weights (like llama.cpp); F32/F16/BF16 weights are exact.
    numerics num = numerics::fast;
};

class model {
public:
    // Maps, validates and (optionally) pages in `path`. Throws ifl::error: FILE_*, GGUF_*,
    // UNSUPPORTED_ARCHITECTURE, UNSUPPORTED_TENSOR_TYPE, MISSING_TENSOR, BAD_TENSOR_SHAPE,
    // BAD_METADATA, CANCELLED.
    static std::unique_ptr<model> load(const std::string & path, const model_load_params & params);

    const model_hparams &              hparams() const { return hp_; }
    const gguf_file &                  file() const { return *file_; }
    const weight_view &                tok_embd() const { return tok_embd_; }   // [n_vocab, n_embd]
    const weight_view &                output() const { return output_; }       // [n_vocab, n_embd]
    const std::vector<float> &         output_norm() const { return output_norm_; }
    const std::vector<layer_weights> & layers() const { return layers_; }
    bool                               tied_embeddings() const { return tied_; }
    uint64_t                           weight_bytes() const { return weight_bytes_; }
    const std::map<std::string, int> & tensor_type_counts() const { return type_counts_; }
    const std::string &                fingerprint() const { return fingerprint_; }
    numerics                           weight_numerics() const { return numerics_; }

private:
    model() = default;
    void load_weights();

    std::unique_ptr<gguf_file> file_;
    model_hparams              hp_;
    weight_view                tok_embd_{}, output_{};
    std::vector<float>         output_norm_;
    std::vector<layer_weights> layers_;
    bool                       tied_ = false;
    uint64_t                   weight_bytes_ = 0;
    std::map<std::string, int> type_counts_;   // GGML type name -> tensors of that type in the file
    std::string                fingerprint_;
    numerics                   numerics_ = numerics::fast;
};

// The fingerprint described above (exposed for tests).
std::string model_fingerprint(const gguf_file & f);

} // namespace ifl
