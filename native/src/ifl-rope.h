// ifl-rope.h — rotary position embedding, shared by the full KV cache and the InfLLM memory.
// Angle of pair i at position p: p * freq_scale * freq_base^(-2i/n_dims) / freq_factors[i],
// computed in double so that positions in the hundreds of thousands keep float32 accuracy.
// Pairing: "normal" (GGML mode 0, llama) rotates (x[2i], x[2i+1]); "neox" (qwen2/qwen3)
// rotates (x[i], x[i + n_dims/2]). Dimensions >= n_dims are left unchanged.
#pragma once

#include <cstdint>
#include <vector>

namespace ifl {

struct rope_params {
    int                n_dims     = 0;      // rotated dimensions per head (even, <= head_dim)
    bool               neox       = false;  // pairing mode (see above)
    float              freq_base  = 10000.0f;
    float              freq_scale = 1.0f;   // linear scaling: 1 / rope.scaling.factor
    std::vector<float> freq_factors;        // Llama-3.1 rope_freqs (n_dims/2 values) or empty
};

// cos/sin of every pair at position `pos`: out arrays hold n_dims/2 values each.
void rope_angles(const rope_params & p, double pos, float * cos_out, float * sin_out);

// Rotates n_heads consecutive head vectors (each head_dim floats) in place with precomputed
// cos/sin from rope_angles().
void rope_rotate(const rope_params & p, const float * cos_v, const float * sin_v,
                 float * x, int n_heads, int head_dim);

// Convenience: rope_angles + rope_rotate for one position.
void rope_apply(const rope_params & p, double pos, float * x, int n_heads, int head_dim);

} // namespace ifl
