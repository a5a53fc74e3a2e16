// ifl-vec8-simd.h — the 8-lane float helpers both kernel families share (ifl-kernels-<variant>
// and ifl-qkernels-<variant> translation units): a zero-filled tail load and the fixed
// lane-sum tree every kernel's result order depends on (ifl-qdot.h, ifl-matmul-simd.h).
// Include only from a variant .cpp, inside `namespace {`.
#pragma once

#if !defined(IFL_KERNEL_VARIANT_TU)
#error "ifl-vec8-simd.h is included only by the kernel variant translation units"
#endif

// The first n < 8 floats at p, the other lanes 0 (nothing past p + n is read).
inline __m256 load_tail8(const float * p, int n) {
    alignas(32) static const int32_t k_mask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_maskload_ps(p, _mm256_loadu_si256((const __m256i *)(k_mask + 8 - n)));
}
// Fixed lane-sum tree of 8 floats: (l, l+4) -> (l, l+2) -> (0, 1).
inline float reduce8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
