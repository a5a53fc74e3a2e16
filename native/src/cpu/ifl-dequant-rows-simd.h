// ifl-dequant-rows-simd.h — the plain float formats, the block decoders as types (for the
// fused decode) and dequant_range (rows or column ranges to float32). Part of the shared SIMD
// code of the kernel variants (see ifl-dequant-simd.h); include after it, inside `namespace {`.
#pragma once

#if !defined(IFL_KERNEL_VARIANT_TU)
#error "ifl-dequant-rows-simd.h is included only by ifl-kernels-<variant>.cpp"
#endif

// F16 / BF16 / F32 in groups of 8 elements (the fused decode) and whole rows (dequant_range).
template <class S>
inline void dq_f16_8(const uint16_t * src, S & s) { s(0, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)src))); }
template <class S>
inline void dq_bf16_8(const uint16_t * src, S & s) {
    s(0, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)src)), 16)));
}
template <class S>
inline void dq_f32_8(const float * src, S & s) { s(0, _mm256_loadu_ps(src)); }

inline void dq_f16(const uint16_t * src, float * y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; ++i) y[i] = h2f(src[i]);
}

inline void dq_bf16(const uint16_t * src, float * y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        _mm256_storeu_ps(y + i, _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)));
    }
    for (; i < n; ++i) y[i] = ifl::bf16_to_f32(src[i]);
}

// 8-element groups of the plain float formats as decoders (see ifl-dequant-simd.h); the tail
// of a row that is not a multiple of 8 is handled by the caller.
#define IFL_PLAIN_DECODER(name, T, fn)                                                           \
    struct name {                                                                              \
        static constexpr int64_t elems = 8, group_elems = 8;                                   \
        static constexpr int groups = 1;                                                       \
        static constexpr size_t bytes = 8 * sizeof(T);                                         \
        const T * p;                                                                           \
        void prepare(const uint8_t * q) { p = reinterpret_cast<const T *>(q); }                \
        template <int, class S> void group(S & s) const { fn(p, s); }                          \
    };
IFL_PLAIN_DECODER(dec_f16_8, uint16_t, dq_f16_8)
IFL_PLAIN_DECODER(dec_bf16_8, uint16_t, dq_bf16_8)
IFL_PLAIN_DECODER(dec_f32_8, float, dq_f32_8)
#undef IFL_PLAIN_DECODER

template <class D>
inline void dq_blocks(const uint8_t * row, int64_t b0, int64_t nb, float * y) {
    D dec;
    for (int64_t i = 0; i < nb; ++i) {
        store_sink s{y + i * D::elems};
        dec.prepare(row + (size_t)(b0 + i) * D::bytes);
        for_each_index([&](auto g) { dec.template group<decltype(g)::value>(s); }, std::make_integer_sequence<int, D::groups>{});
    }
}

// Elements [k0, k0 + n) of one row (k0 and n multiples of the block size) -> y[0..n).
inline void dequant_range(ifl::ggml_type t, const uint8_t * row, int64_t k0, int64_t n, float * y) {
    using ifl::ggml_type;
    switch (t) {
        case ggml_type::f32: std::memcpy(y, row + 4 * k0, (size_t)n * 4); break;
        case ggml_type::f16: dq_f16(reinterpret_cast<const uint16_t *>(row) + k0, y, n); break;
        case ggml_type::bf16: dq_bf16(reinterpret_cast<const uint16_t *>(row) + k0, y, n); break;
        case ggml_type::q4_0: dq_blocks<dec_q4_0>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q4_1: dq_blocks<dec_q4_1>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q5_0: dq_blocks<dec_q5_0>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q5_1: dq_blocks<dec_q5_1>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q8_0: dq_blocks<dec_q8_0>(row, k0 / 32, n / 32, y); break;
        case ggml_type::q2_k: dq_blocks<dec_q2_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q3_k: dq_blocks<dec_q3_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q4_k: dq_blocks<dec_q4_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q5_k: dq_blocks<dec_q5_k>(row, k0 / 256, n / 256, y); break;
        case ggml_type::q6_k: dq_blocks<dec_q6_k>(row, k0 / 256, n / 256, y); break;
        default: break;  // unreachable: callers validate the type
    }
}
