// ifl-qmatmul.cpp — numerics::fast matmul and vec_dot: quantizes the activation rows once per
// call (in parallel over tokens for batches), then splits the output rows over the thread pool
// and runs the chosen variant's integer kernels (ifl-qkernels-*.cpp) or the scalar definition.
#include "ifl-qdot.h"

#include <cstdlib>
#include <new>

#include "ifl-cpu-features.h"
#include "ifl-error.h"
#include "ifl-kernels-variants.h"
#include "ifl-qkernels-variants.h"
#include "ifl-threadpool.h"

namespace ifl {

namespace {

constexpr int64_t k_row_grain = 16;  // rows per work unit: a whole prefill panel
// Below this many weight bytes x tokens a call runs on the calling thread alone: a fork-join
// costs more than splitting saves (decode's small K/V projections), and far more when the
// machine is oversubscribed and a worker is not running. Rows are independent, so this
// changes no result.
constexpr size_t k_inline_bytes = 256 * 1024;

// The calling thread's buffer of prepared activation rows, grown on demand (64-byte aligned).
uint8_t * act_buffer(size_t bytes) {
    struct buffer {
        uint8_t * p = nullptr;
        size_t    n = 0;
        ~buffer() { std::free(p); }
    };
    thread_local buffer buf;
    if (buf.n < bytes) {
        void * p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!p) throw std::bad_alloc();
        std::free(buf.p);
        buf.p = static_cast<uint8_t *>(p);
        buf.n = bytes;
    }
    return buf.p;
}

void rows_ref(const qmatmul_job & j, int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o)
        for (int64_t t = 0; t < j.n_tokens; ++t) j.y[t * j.y_stride + o] = qdot_ref(j, o, t);
}

void run_rows(kernel_variant v, const qmatmul_job & j, int64_t o0, int64_t o1) {
    switch (v) {
        case kernel_variant::ref: rows_ref(j, o0, o1); break;
        case kernel_variant::avx2:
            qkern_avx2::qmatmul_rows(j, o0, o1, kernels_thread_scratch(qkern_avx2::qmatmul_scratch_floats()));
            break;
        case kernel_variant::avx512:
            if (cpu_get_features().avx512_vnni)
                qkern_avx512vnni::qmatmul_rows(j, o0, o1, kernels_thread_scratch(qkern_avx512vnni::qmatmul_scratch_floats()));
            else
                qkern_avx512::qmatmul_rows(j, o0, o1, kernels_thread_scratch(qkern_avx512::qmatmul_scratch_floats()));
            break;
        case kernel_variant::avx512_emulated:
            qkern_emu512::qmatmul_rows(j, o0, o1, kernels_thread_scratch(qkern_emu512::qmatmul_scratch_floats()));
            break;
    }
}

// Quantizes rows x[t * x_stride ..] for t < n_tokens into the calling thread's buffer.
const uint8_t * prepare_acts(const qact_layout & L, const float * x, int64_t n_tokens, int64_t x_stride, thread_pool * pool) {
    uint8_t * act = act_buffer(L.row_bytes * (size_t)n_tokens);
    auto fn = [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) qact_prepare_row(L, x + t * x_stride, act + (size_t)t * L.row_bytes);
    };
    if (!pool || n_tokens == 1 || pool->n_threads() == 1) fn(0, n_tokens);
    else pool->parallel_for(n_tokens, 1, fn);
    return act;
}

} // namespace

void qmatmul(kernel_variant v, const weight_view & w, const float * x, int64_t n_tokens, float * y, thread_pool & pool,
             int64_t x_stride, int64_t y_stride) {
    const qact_layout L = qact_layout_for(w.type, w.n_in);
    const qmatmul_job job{w.type, static_cast<const uint8_t *>(w.data), w.row_bytes, w.n_in, L,
                          prepare_acts(L, x, n_tokens, x_stride, &pool), n_tokens, y, y_stride};
    if ((size_t)w.n_out * w.row_bytes * (size_t)n_tokens < k_inline_bytes) return run_rows(v, job, 0, w.n_out);
    pool.parallel_for(w.n_out, k_row_grain, [&job, v](int64_t o0, int64_t o1) { run_rows(v, job, o0, o1); });
}

float qvec_dot(kernel_variant v, ggml_type t, int64_t n, const void * w_row, const float * x) {
    const qact_layout L = qact_layout_for(t, n);
    float y = 0.0f;
    const qmatmul_job job{t, static_cast<const uint8_t *>(w_row), ggml_row_size(*ggml_type_get_traits((uint32_t)t), n), n, L,
                          prepare_acts(L, x, 1, n, nullptr), 1, &y, 1};
    run_rows(v, job, 0, 1);
    return y;
}

} // namespace ifl
