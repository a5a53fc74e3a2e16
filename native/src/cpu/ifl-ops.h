// ifl-ops.h — the element-wise and row operations of the forward pass, vectorised (AVX2).
// Exactness (each checked against float64 in test/native/kernels-ops.test.ts):
//   add_inplace, mul_inplace, scale_inplace: one float32 rounding per element (exact IEEE).
//   exp_f32: Taylor polynomial of degree 7 after range reduction x = n ln2 + r, |r| <= ln2/2;
//            error <= 2 ulp for results >= FLT_MIN (measured about 1 ulp), gradual underflow
//            below, 0 below about -103.97, +inf above about 88.72, NaN propagates.
//   silu_mul: g / (1 + exp_f32(-g)) * u, error <= exp error + 3 ulp (relative).
//   softmax_inplace: max-subtracted, exp_f32, sum in double, one multiplication by the rounded
//            reciprocal: error <= (exp error + 3 + |x_i - max|) ulp relative per element (the
//            float32 subtraction x_i - max carries an absolute error of |x_i - max| * 2^-24).
//   rms_norm: sum of squares in double, scale = float(1/sqrt(mean + eps)), out = (x*scale)*w:
//            error <= 2 ulp relative.
#pragma once

#include <cstdint>

namespace ifl {

// out[i] = x[i] / sqrt(mean(x^2) + eps) * w[i]; w may be null (no weight). out may alias x.
void rms_norm(const float * x, const float * w, int64_t n, float eps, float * out);

void add_inplace(float * a, const float * b, int64_t n);    // a[i] += b[i]
void mul_inplace(float * a, const float * b, int64_t n);    // a[i] *= b[i]
void scale_inplace(float * x, int64_t n, float s);          // x[i] *= s

// out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i]; out may alias either.
void silu_mul(const float * gate, const float * up, int64_t n, float * out);

// x[i] = exp(x[i] - max) / sum_j exp(x[j] - max). -inf entries (masked) become 0; a row of
// only -inf becomes all NaN (as the float64 formula).
void softmax_inplace(float * x, int64_t n);

// Index of the first maximum, NaN entries ignored; 0 when every entry is NaN, -1 when n == 0.
int64_t argmax(const float * x, int64_t n);

// out[i] = exp(x[i]) with the polynomial above (exposed for tests and attention code).
void exp_f32(const float * x, int64_t n, float * out);

} // namespace ifl
