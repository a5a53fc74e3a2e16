// ifl-rope.cpp — RoPE angles (double precision) and in-place rotation.
#include "ifl-rope.h"

#include <cmath>

#include "ifl-error.h"

namespace ifl {

void rope_angles(const rope_params & p, double pos, float * cos_out, float * sin_out) {
    const int half = p.n_dims / 2;
    const double scaled = pos * (double)p.freq_scale;
    for (int i = 0; i < half; ++i) {
        double theta = scaled * std::pow((double)p.freq_base, -2.0 * i / (double)p.n_dims);
        if (!p.freq_factors.empty()) theta /= (double)p.freq_factors[i];
        cos_out[i] = (float)std::cos(theta);
        sin_out[i] = (float)std::sin(theta);
    }
}

void rope_rotate(const rope_params & p, const float * cos_v, const float * sin_v,
                 float * x, int n_heads, int head_dim) {
    const int half = p.n_dims / 2;
    for (int h = 0; h < n_heads; ++h) {
        float * v = x + (int64_t)h * head_dim;
        if (p.neox) {
            for (int i = 0; i < half; ++i) {
                const float a = v[i], b = v[i + half];
                v[i]        = a * cos_v[i] - b * sin_v[i];
                v[i + half] = a * sin_v[i] + b * cos_v[i];
            }
        } else {
            for (int i = 0; i < half; ++i) {
                const float a = v[2 * i], b = v[2 * i + 1];
                v[2 * i]     = a * cos_v[i] - b * sin_v[i];
                v[2 * i + 1] = a * sin_v[i] + b * cos_v[i];
            }
        }
    }
}

void rope_apply(const rope_params & p, double pos, float * x, int n_heads, int head_dim) {
    IFL_ASSERT(p.n_dims > 0 && p.n_dims % 2 == 0 && p.n_dims <= head_dim && p.n_dims <= 1024);
    float c[512], s[512];
    rope_angles(p, pos, c, s);
    rope_rotate(p, c, s, x, n_heads, head_dim);
}

} // namespace ifl
