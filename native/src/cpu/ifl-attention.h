// ifl-attention.h — the CPU attention kernel shared by the full KV cache and InfLLM memory.
//
// One softmax per (query, head) over keys that come in several *stages* (InfLLM: the local
// window, then each selected block, the initial tokens and the remainder tail; full cache: one
// stage per KV page). Stages may use different query vectors (InfLLM rotates queries once at
// their true position for the local window and once at position n_local-1 for global keys) and
// carry a visibility band on absolute positions. The softmax is joined across stages by online
// log-sum-exp merging (infllm-spec.md §2.6), so the result equals one softmax over the
// concatenation of all visible logits.
//
// Numerics (float32 throughout):
//   - logit = (q·k) * scale; q·k uses 8-lane FMA partial sums over head_dim and one fixed
//     horizontal reduction tree;
//   - keys are cut into segments of k_attn_segment keys (aligned to the start of their stage)
//     and tiles of k_attn_tile keys; each segment produces a fresh partial state (running max m,
//     sum l, accumulator acc[head_dim]) with the usual online rescaling per tile; partials are
//     merged in stage/segment order;
//   - exponentials use the engine's exp_f32 (cpu/ifl-ops.h, <= 2 ulp) for every element;
//   - output = acc / l;
//   - the side output divides exp(logit - m) by the row's final l, summed over queries in order.
// Determinism: the arithmetic of every (query, head) row depends only on the stage list, never
// on the query tiling, the thread count or whether segments were computed in parallel, so
// results are bit-identical for any thread pool.
#pragma once

#include <cstdint>
#include <vector>

#include "ifl-kv-type.h"

namespace ifl {

class thread_pool;

// "Infinite" distance for bands (positions stay far below 2^50).
constexpr int64_t k_attn_band_inf = int64_t(1) << 60;
constexpr int64_t k_attn_segment  = 256;  // keys per partial-softmax segment
constexpr int     k_attn_tile     = 32;   // keys per inner tile (multiple of 8)
constexpr int     k_attn_q_tile   = 16;   // queries per work unit

// Visibility of key j of a stage to query i of the problem:
//   d_min <= (q_pos0 + i) - (k_pos0 + j) <= d_max
struct attn_band {
    int64_t q_pos0 = 0;
    int64_t k_pos0 = 0;
    int64_t d_min  = -k_attn_band_inf;
    int64_t d_max  = k_attn_band_inf;
};

// One group of keys. Key j of kv head h starts at element k + j*kv_row_stride + h*kv_head_stride
// (same strides for v). Query i of query head h starts at q + i*q_row_stride + h*head_dim.
// Keys/values may be stored as f32, f16 or q8 (ifl-kv-type.h): other types are decoded to f32
// one tile of k_attn_tile keys at a time into per-thread scratch (never a whole stage), then
// go through the same arithmetic as f32 keys holding the decoded values.
struct attn_stage {
    const float * q = nullptr;  // [n_q, n_head, head_dim] (row stride q_row_stride), f32
    const void *  k = nullptr;  // elements of type kv, see strides
    const void *  v = nullptr;  // elements of type kv, see strides
    kv_type       kv = kv_type::f32;
    int64_t n_keys         = 0;
    int64_t kv_row_stride  = 0;  // elements between consecutive keys
    int64_t kv_head_stride = 0;  // elements between kv heads
    // q8 only: scale of key j of kv head h at k_scale[j*scale_row_stride + h*scale_head_stride]
    // (same for v_scale).
    const float * k_scale = nullptr;
    const float * v_scale = nullptr;
    int64_t scale_row_stride  = 0;
    int64_t scale_head_stride = 0;
    attn_band band;
    // Optional side output (f32 stages only): for every key j and query head h,
    //   score[h*score_head_stride + j*score_key_stride] += sum over queries i of P(i, h -> j),
    // where P is the final, normalised probability of the joint softmax.
    float * score = nullptr;
    int64_t score_head_stride = 0;
    int64_t score_key_stride  = 0;
};

struct attn_problem {
    int     n_q       = 0;
    int     n_head    = 0;
    int     n_head_kv = 0;  // query head h reads kv head h / (n_head / n_head_kv)
    int     head_dim  = 0;
    float   scale     = 1.0f;  // usually 1/sqrt(head_dim)
    int64_t q_row_stride = 0;  // 0: n_head * head_dim
    const attn_stage * stages = nullptr;
    int     n_stages  = 0;
    float * out       = nullptr;  // [n_q, n_head, head_dim], f32 (rows with no visible key: 0)
    // Score stages of small problems keep the main pass's logits instead of re-reading the keys
    // (identical values either way); false forces the recomputation (tests of both paths).
    bool    keep_logits = true;
};

// Reusable scratch of the kernel (grows to the largest problem seen, never shrinks).
// Not shareable between concurrent calls.
class attn_workspace {
public:
    struct segment { int stage; int64_t j0, j1; };
    std::vector<segment>            segments;
    std::vector<float>              partial;  // split mode: [n_units, n_segments, rows, 2 + head_dim]
    std::vector<float>              row_m;    // [n_q, n_head] final running max
    std::vector<float>              row_l;    // [n_q, n_head] final sum
    std::vector<float>              logits;   // score stages, small problems: [n_q, n_head, n_keys] each
    std::vector<int64_t>            logit_off; // [n_stages] offset into logits (-1: not kept)
    std::vector<std::vector<float>> thread_scratch;
};

// Computes p.out. Throws ifl::error(invalid_argument) on inconsistent shapes.
void attention_forward(const attn_problem & p, attn_workspace & ws, thread_pool & pool);

} // namespace ifl
