// ifl-probe.cpp — read-bandwidth and FMA-peak probes (see ifl-probe.h).
#include "ifl-probe.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/ifl-kernels.h"
#include "ifl-error.h"
#include "ifl-threadpool.h"

#if defined(IFL_X86)
#include <immintrin.h>
#endif

namespace ifl {

namespace {

using clock_type = std::chrono::steady_clock;
// Best of many short passes: on a shared machine a short pass often runs undisturbed, which is
// also what the (short) kernel timings it is compared with see.
constexpr int    k_min_passes = 5, k_max_passes = 60;
constexpr double k_min_seconds = 0.5;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// Sum of n floats (n a multiple of 256) read as 4 interleaved sequential streams (one per
// quarter), like the fused decode reading 4 weight rows at once: one stream alone leaves memory
// parallelism unused and under-reports what the kernels can get. 8 vector accumulators.
float stream_sum(const float * p, size_t n) {
#if defined(IFL_X86)
    const size_t q = n / 4;
    __m256 a[8];
    for (auto & v : a) v = _mm256_setzero_ps();
    for (size_t i = 0; i < q; i += 16)
        for (int s = 0; s < 4; ++s) {
            a[2 * s] = _mm256_add_ps(a[2 * s], _mm256_load_ps(p + s * q + i));
            a[2 * s + 1] = _mm256_add_ps(a[2 * s + 1], _mm256_load_ps(p + s * q + i + 8));
        }
    for (int k = 1; k < 8; ++k) a[0] = _mm256_add_ps(a[0], a[k]);
    alignas(32) float t[8];
    _mm256_store_ps(t, a[0]);
    return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
#else
    float s = 0;
    for (size_t i = 0; i < n; ++i) s += p[i];
    return s;
#endif
}

} // namespace

double measure_read_bandwidth(size_t bytes, thread_pool & pool) {
    if (bytes < (1u << 20)) throw_error(status::invalid_argument, "read bandwidth: buffer of %zu bytes is too small", bytes);
    const int nth = pool.n_threads();
    const size_t per_thread = bytes / sizeof(float) / (size_t)nth / 256 * 256;  // floats per thread
    std::unique_ptr<float, void (*)(void *)> buf(
        static_cast<float *>(std::aligned_alloc(64, per_thread * (size_t)nth * sizeof(float))), std::free);
    if (!buf) throw_error(status::out_of_memory, "read bandwidth: cannot allocate %zu bytes", bytes);
    float * base = buf.get();
    // First touch by the thread that later reads the part (NUMA placement), then a warm-up pass.
    pool.run([&](int ith, int) { std::memset(base + per_thread * ith, 0, per_thread * sizeof(float)); });
    std::atomic<float> sink{0.0f};
    double best = 0.0;
    const auto start = clock_type::now();
    for (int pass = 0; pass <= k_max_passes; ++pass) {  // pass 0 is a warm-up
        const auto t0 = clock_type::now();
        pool.run([&](int ith, int) { sink.store(sink.load() + stream_sum(base + per_thread * ith, per_thread)); });
        const double gbs = (double)(per_thread * nth * sizeof(float)) / seconds_since(t0) / 1e9;
        if (pass > 0 && gbs > best) best = gbs;
        if (pass >= k_min_passes && seconds_since(start) > k_min_seconds) break;
    }
    return best;
}

double measure_fma_peak(thread_pool & pool) {
    const bool wide = kernels_best_variant() == kernel_variant::avx512;
    const long iters = 1'000'000;  // ~5 ms per run
    std::atomic<float> sink{0.0f};
    std::vector<long> fmas((size_t)pool.n_threads(), 0);
    double best = 0.0;
    const auto start = clock_type::now();
    for (int pass = 0; pass <= k_max_passes; ++pass) {
        const auto t0 = clock_type::now();
        pool.run([&](int ith, int) {
            long per_iter = 0;
            const float r = wide ? probe_detail::fma_loop_avx512(iters, &per_iter) : probe_detail::fma_loop_avx2(iters, &per_iter);
            fmas[(size_t)ith] = per_iter * iters;
            sink.store(sink.load() + r);
        });
        const double s = seconds_since(t0);
        double flops = 0;
        for (long f : fmas) flops += 2.0 * (double)f;
        if (pass > 0 && flops / s / 1e9 > best) best = flops / s / 1e9;
        if (pass >= k_min_passes && seconds_since(start) > k_min_seconds) break;
    }
    return best;
}

namespace probe_detail {

float fma_loop_avx2(long iters, long * fmas_per_iter) {
#if defined(IFL_X86)
    // 12 independent chains in named registers (an array would live on the stack) cover FMA
    // latency (4-5 cycles) x 2 pipes on current x86 cores.
    const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    __m256 a0 = _mm256_set1_ps(1.00f), a1 = _mm256_set1_ps(1.01f), a2 = _mm256_set1_ps(1.02f), a3 = _mm256_set1_ps(1.03f);
    __m256 a4 = _mm256_set1_ps(1.04f), a5 = _mm256_set1_ps(1.05f), a6 = _mm256_set1_ps(1.06f), a7 = _mm256_set1_ps(1.07f);
    __m256 a8 = _mm256_set1_ps(1.08f), a9 = _mm256_set1_ps(1.09f), a10 = _mm256_set1_ps(1.10f), a11 = _mm256_set1_ps(1.11f);
    for (long i = 0; i < iters; ++i) {
        a0 = _mm256_fmadd_ps(a0, m, c); a1 = _mm256_fmadd_ps(a1, m, c); a2 = _mm256_fmadd_ps(a2, m, c);
        a3 = _mm256_fmadd_ps(a3, m, c); a4 = _mm256_fmadd_ps(a4, m, c); a5 = _mm256_fmadd_ps(a5, m, c);
        a6 = _mm256_fmadd_ps(a6, m, c); a7 = _mm256_fmadd_ps(a7, m, c); a8 = _mm256_fmadd_ps(a8, m, c);
        a9 = _mm256_fmadd_ps(a9, m, c); a10 = _mm256_fmadd_ps(a10, m, c); a11 = _mm256_fmadd_ps(a11, m, c);
        // keep every chain alive (asm takes at most 30 operands; "+" counts twice)
        __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5));
        __asm__ volatile("" : "+x"(a6), "+x"(a7), "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
    }
    const __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                                   _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)),
                                                 _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11))));
    *fmas_per_iter = 12 * 8;
    return _mm256_cvtss_f32(s);
#else
    (void)iters;
    *fmas_per_iter = 0;
    return 0.0f;
#endif
}

} // namespace probe_detail

} // namespace ifl
