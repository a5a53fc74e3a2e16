// ifl-matmul-simd.h — the matmul driver and register-blocked micro-kernel shared by the SIMD
// variants. The including translation unit defines, inside the same anonymous namespace:
//   vreg, VL (lanes), v_zero(), v_load(p), v_load_tail(p, n < VL: zero-filled), v_store(p, v),
//   v_fma(a, b, c) = a*b + c, v_reduce(v) (fixed-tree lane sum), and the tile constants
//   MK_R x MK_T (prefill micro-tile, rows x tokens), DEC_R (rows per decode tile).
//
// Accumulation order (identical for every tile shape, batch size and row range): the partial
// sum of output (t, o) is one vector; chunk by chunk (KC columns, increasing), and inside a chunk
// VL columns at a time (increasing), acc = fma(w[o, k..k+VL), x[t, k..k+VL), acc); a final
// partial vector uses zero-filled loads. Chunks spill acc to scratch and reload it unchanged.
// Then y = v_reduce(acc). Tile shapes only change which outputs are computed together.
// FUSED_DECODE (AVX2 only, where VL == 8 and v_reduce is reduce8) enables the fused one-token
// path below. Include only from a variant .cpp (ifl-kernels-body.inc), inside `namespace {`, after
// ifl-vec8-simd.h and ifl-dequant-simd.h.
#pragma once

#if !defined(IFL_KERNEL_VARIANT_TU)
#error "ifl-matmul-simd.h is included only by ifl-kernels-<variant>.cpp"
#endif

constexpr int64_t KC = 256;             // columns per chunk: a multiple of every block size
constexpr int64_t RP = 16;              // rows per panel (prefill); decode uses DEC_R
constexpr int64_t TB = 16 * MK_T;       // tokens per token block (prefill): amortises dequant
constexpr size_t  W_SCRATCH = (size_t)RP * KC;                 // [RP][KC] dequantized chunk
constexpr size_t  ACC_SCRATCH = (size_t)TB * RP * VL;          // [TB][RP][VL] partial sums
static_assert(DEC_R <= RP, "decode rows fit the panel scratch");

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// acc[t][r] (vectors at acc + t*acc_ts + r*VL) += w[r][0..n) * x[t][0..n) in the fixed order.
//   w: R rows, stride ws floats; x: T rows, stride xs floats.
template <int R, int T>
inline void micro_kernel(const float * w, int64_t ws, const float * x, int64_t xs, int64_t n,
                         float * acc, int64_t acc_ts) {
    vreg a[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) a[r][t] = v_load(acc + t * acc_ts + r * VL);
    int64_t k = 0;
    for (; k + VL <= n; k += VL) {
        vreg xv[T];
        for (int t = 0; t < T; ++t) xv[t] = v_load(x + t * xs + k);
        for (int r = 0; r < R; ++r) {
            const vreg wv = v_load(w + r * ws + k);
            for (int t = 0; t < T; ++t) a[r][t] = v_fma(wv, xv[t], a[r][t]);
        }
    }
    if (k < n) {  // only for F32/F16/BF16 rows whose length is not a multiple of VL
        const int rem = (int)(n - k);
        vreg xv[T];
        for (int t = 0; t < T; ++t) xv[t] = v_load_tail(x + t * xs + k, rem);
        for (int r = 0; r < R; ++r) {
            const vreg wv = v_load_tail(w + r * ws + k, rem);
            for (int t = 0; t < T; ++t) a[r][t] = v_fma(wv, xv[t], a[r][t]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) v_store(acc + t * acc_ts + r * VL, a[r][t]);
}

// Runs micro_kernel<r, t> for runtime r <= RMAX, t <= TMAX (only shapes with r*t accumulators
// that fit the register file are instantiated; the driver never asks for others).
template <int R, int T>
inline void tile_dispatch_t(int t, const float * w, int64_t ws, const float * x, int64_t xs, int64_t n,
                            float * acc, int64_t acc_ts) {
    if constexpr (T >= 1) {
        if (t == T) {
            if constexpr (R * T <= DEC_R || (R <= MK_R && T <= MK_T)) micro_kernel<R, T>(w, ws, x, xs, n, acc, acc_ts);
            return;
        }
        tile_dispatch_t<R, T - 1>(t, w, ws, x, xs, n, acc, acc_ts);
    }
}
template <int R>
inline void tile_dispatch(int r, int t, const float * w, int64_t ws, const float * x, int64_t xs, int64_t n,
                          float * acc, int64_t acc_ts) {
    if constexpr (R >= 1) {
        if (r == R) return tile_dispatch_t<R, MK_T>(t, w, ws, x, xs, n, acc, acc_ts);
        tile_dispatch<R - 1>(r, t, w, ws, x, xs, n, acc, acc_ts);
    }
}

// Columns [kc, kc + kn) of rows [p0, p0 + rp) as float32: the dequantized chunk in w_scratch
// ([rp][KC]); F32 rows are copied too (rows a power-of-two apart would share L1 sets), except a
// single row, returned as a view. Returns the row stride in *ws.
inline const float * weight_chunk(const ifl::matmul_job & j, int64_t p0, int64_t rp, int64_t kc, int64_t kn,
                                  float * w_scratch, int64_t * ws) {
    const uint8_t * row0 = j.w + (size_t)p0 * j.row_bytes;
    if (j.type == ifl::ggml_type::f32 && rp <= 1) {
        *ws = (int64_t)(j.row_bytes / sizeof(float));
        return reinterpret_cast<const float *>(row0) + kc;
    }
    for (int64_t r = 0; r < rp; ++r) dequant_range(j.type, row0 + (size_t)r * j.row_bytes, kc, kn, w_scratch + r * KC);
    *ws = KC;
    return w_scratch;
}

// Rows [p0, p0 + rp) x tokens [t0, t0 + tb): all chunks, then the lane reduction into y.
inline void panel(const ifl::matmul_job & j, int64_t p0, int64_t rp, int64_t t0, int64_t tb,
                  int r_tile, int t_tile, float * scratch) {
    float * w_scratch = scratch;
    float * acc = scratch + W_SCRATCH;          // [tb][rp][VL]
    const int64_t acc_ts = rp * VL;
    for (int64_t i = 0; i < tb * rp; ++i) v_store(acc + i * VL, v_zero());
    for (int64_t kc = 0; kc < j.n_in; kc += KC) {
        const int64_t kn = min64(KC, j.n_in - kc);
        int64_t ws = 0;
        const float * w = weight_chunk(j, p0, rp, kc, kn, w_scratch, &ws);
        for (int64_t t = 0; t < tb; t += t_tile) {
            const int tn = (int)min64(t_tile, tb - t);
            const float * x = j.x + (t0 + t) * j.x_stride + kc;
            for (int64_t r = 0; r < rp; r += r_tile) {
                const int rn = (int)min64(r_tile, rp - r);
                tile_dispatch<DEC_R>(rn, tn, w + r * ws, ws, x, j.x_stride, kn, acc + t * acc_ts + r * VL, acc_ts);
            }
        }
    }
    for (int64_t t = 0; t < tb; ++t)
        for (int64_t r = 0; r < rp; ++r) j.y[(t0 + t) * j.y_stride + p0 + r] = v_reduce(v_load(acc + t * acc_ts + r * VL));
}

// ---- fused decode (AVX2: the block decoders' 8-element groups are exactly one vector) ----
// One token, FUSED_R rows at a time: each row's single accumulator is fed straight from its
// block decoder, acc = fma(w[k..k+8), x[k..k+8), acc) in increasing k, with the same zero-filled
// final partial vector as micro_kernel, so every output is bitwise the micro_kernel's.
struct dot_sink {
    __m256        acc;
    const float * x;    // x of the current block
    void operator()(int off, __m256 w) { acc = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + off), acc); }
};

template <class D, int R>
inline void decode_fused(const ifl::matmul_job & j, int64_t o0) {
    const int64_t nb = j.n_in / D::elems;
    dot_sink s[R];
    const uint8_t * rows[R];
    for (int r = 0; r < R; ++r) {
        s[r].acc = _mm256_setzero_ps();
        rows[r] = j.w + (size_t)(o0 + r) * j.row_bytes;
    }
    D dec[R];
    for (int64_t b = 0; b < nb; ++b) {
        for (int r = 0; r < R; ++r) {
            dec[r].prepare(rows[r] + (size_t)b * D::bytes);
            s[r].x = j.x + b * D::elems;
        }
        for_each_index([&](auto g) {
            for (int r = 0; r < R; ++r) dec[r].template group<decltype(g)::value>(s[r]);
        }, std::make_integer_sequence<int, D::groups>{});
    }
    const int rem = (int)(j.n_in - nb * D::elems);  // only F32/F16/BF16 rows (groups of 8)
    if (rem > 0) {
        const __m256 xt = load_tail8(j.x + nb * 8, rem);
        for (int r = 0; r < R; ++r) {
            alignas(32) float wt[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            dequant_range(j.type, rows[r], nb * 8, rem, wt);
            s[r].acc = _mm256_fmadd_ps(_mm256_load_ps(wt), xt, s[r].acc);
        }
    }
    for (int r = 0; r < R; ++r) j.y[o0 + r] = reduce8(s[r].acc);
}

template <class D>
inline void decode_fused_range(const ifl::matmul_job & j, int64_t o0, int64_t o1) {
    int64_t o = o0;
    for (; o + FUSED_R <= o1; o += FUSED_R) decode_fused<D, FUSED_R>(j, o);
    for (; o < o1; ++o) decode_fused<D, 1>(j, o);
}

// True when the fused path handled rows [o0, o1) of a one-token job.
inline bool decode_fused_dispatch(const ifl::matmul_job & j, int64_t o0, int64_t o1) {
    using ifl::ggml_type;
    switch (j.type) {
        case ggml_type::f32: decode_fused_range<dec_f32_8>(j, o0, o1); return true;
        case ggml_type::f16: decode_fused_range<dec_f16_8>(j, o0, o1); return true;
        case ggml_type::bf16: decode_fused_range<dec_bf16_8>(j, o0, o1); return true;
        case ggml_type::q4_0: decode_fused_range<dec_q4_0>(j, o0, o1); return true;
        case ggml_type::q4_1: decode_fused_range<dec_q4_1>(j, o0, o1); return true;
        case ggml_type::q5_0: decode_fused_range<dec_q5_0>(j, o0, o1); return true;
        case ggml_type::q5_1: decode_fused_range<dec_q5_1>(j, o0, o1); return true;
        case ggml_type::q8_0: decode_fused_range<dec_q8_0>(j, o0, o1); return true;
        case ggml_type::q2_k: decode_fused_range<dec_q2_k>(j, o0, o1); return true;
        case ggml_type::q3_k: decode_fused_range<dec_q3_k>(j, o0, o1); return true;
        case ggml_type::q4_k: decode_fused_range<dec_q4_k>(j, o0, o1); return true;
        case ggml_type::q5_k: decode_fused_range<dec_q5_k>(j, o0, o1); return true;
        case ggml_type::q6_k: decode_fused_range<dec_q6_k>(j, o0, o1); return true;
        default: return false;
    }
}

// Output rows [o0, o1) for all tokens. One token: the fused decode (AVX2), or DEC_R rows per
// panel with each 256-column chunk dequantized into L1 and consumed at once; either way the
// weights are streamed once. Several tokens: RP-row panels, token blocks of TB tokens, MK_R x MK_T
// register tiles over each dequantized chunk (dequantized once per token block).
inline void matmul_rows_impl(const ifl::matmul_job & j, int64_t o0, int64_t o1, float * scratch) {
    const bool decode = j.n_tokens == 1;
    if (FUSED_DECODE && decode && decode_fused_dispatch(j, o0, o1)) return;
    const int64_t rows = decode ? DEC_R : RP, tokens = decode ? 1 : TB;
    const int r_tile = decode ? DEC_R : MK_R, t_tile = decode ? 1 : MK_T;
    for (int64_t t0 = 0; t0 < j.n_tokens; t0 += tokens) {
        const int64_t tb = min64(tokens, j.n_tokens - t0);
        for (int64_t p0 = o0; p0 < o1; p0 += rows) panel(j, p0, min64(rows, o1 - p0), t0, tb, r_tile, t_tile, scratch);
    }
}
