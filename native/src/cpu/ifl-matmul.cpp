// ifl-matmul.cpp — matmul argument checks, the split of output rows over the thread pool, the
// `ref` variant (dequantize each row, sequential FMA dot per token), the numerics dispatch (fast:
// ifl-qmatmul.cpp) and get_row.
#include "ifl-matmul.h"

#include <cmath>

#include "ifl-error.h"
#include "ifl-kernels-variants.h"
#include "ifl-qdot.h"
#include "ifl-quants.h"
#include "ifl-threadpool.h"

namespace ifl {

namespace {

constexpr int64_t k_row_grain = 16;  // rows per work unit: a whole prefill panel

const ggml_type_traits & check_weight(const weight_view & w, const char * what) {
    const ggml_type_traits * tr = &quants_traits(w.type, what);
    if (w.n_in < 0 || w.n_out < 0 || w.n_in % tr->block_size != 0)
        throw_error(status::invalid_argument, "%s: bad %s weight shape [%lld, %lld]", what, tr->name,
                    (long long)w.n_in, (long long)w.n_out);
    if (w.row_bytes < ggml_row_size(*tr, w.n_in))
        throw_error(status::invalid_argument, "%s: row_bytes %zu < %zu", what, w.row_bytes, ggml_row_size(*tr, w.n_in));
    if (w.type == ggml_type::f32 && w.row_bytes % sizeof(float) != 0)
        throw_error(status::invalid_argument, "%s: F32 row_bytes %zu is not a multiple of 4", what, w.row_bytes);
    if (w.n_out > 0 && w.n_in > 0 && !w.data) throw_error(status::invalid_argument, "%s: null weight data", what);
    return *tr;
}

// Reference rows [o0, o1): dequantize_row_ref, then a sequential float32 FMA per token.
void matmul_rows_ref(const matmul_job & j, int64_t o0, int64_t o1) {
    float * w = kernels_thread_scratch((size_t)(j.n_in > 0 ? j.n_in : 1));
    for (int64_t o = o0; o < o1; ++o) {
        dequantize_row_ref(j.type, j.w + (size_t)o * j.row_bytes, w, j.n_in);
        for (int64_t t = 0; t < j.n_tokens; ++t) {
            const float * x = j.x + t * j.x_stride;
            float acc = 0.0f;
            for (int64_t k = 0; k < j.n_in; ++k) acc = std::fma(w[k], x[k], acc);
            j.y[t * j.y_stride + o] = acc;
        }
    }
}

struct matmul_task {
    kernel_variant variant;
    matmul_job     job;
};

void run_rows(const matmul_task & task, int64_t o0, int64_t o1) {
    if (task.variant == kernel_variant::ref) matmul_rows_ref(task.job, o0, o1);
    else kernels_matmul_rows(task.variant, task.job, o0, o1);
}

// Validates a matmul call and resolves default strides; false when there is nothing to compute.
bool check_call(kernel_variant v, const weight_view & w, const float * x, int64_t n_tokens, const float * y,
                int64_t & x_stride, int64_t & y_stride) {
    check_weight(w, "matmul");
    if (!kernels_variant_available(v))
        throw_error(status::invalid_argument, "matmul: kernel variant %s is not available on this CPU", kernel_variant_name(v));
    if (x_stride == 0) x_stride = w.n_in;
    if (y_stride == 0) y_stride = w.n_out;
    if (n_tokens < 0 || x_stride < w.n_in || y_stride < w.n_out)
        throw_error(status::invalid_argument, "matmul: bad sizes (n_tokens %lld, x_stride %lld, y_stride %lld)",
                    (long long)n_tokens, (long long)x_stride, (long long)y_stride);
    if (n_tokens == 0 || w.n_out == 0) return false;
    if (!x || !y) throw_error(status::invalid_argument, "matmul: null input or output");
    return true;
}

} // namespace

void matmul_variant(kernel_variant v, const weight_view & w, const float * x, int64_t n_tokens, float * y,
                    thread_pool & pool, int64_t x_stride, int64_t y_stride) {
    if (!check_call(v, w, x, n_tokens, y, x_stride, y_stride)) return;
    const matmul_task task{v, matmul_job{w.type, static_cast<const uint8_t *>(w.data), w.row_bytes, w.n_in,
                                         x, x_stride, n_tokens, y, y_stride}};
    pool.parallel_for(w.n_out, k_row_grain, [&task](int64_t o0, int64_t o1) { run_rows(task, o0, o1); });
}

void matmul_variant(kernel_variant v, const weight_view & w, const float * x, int64_t n_tokens, float * y,
                    thread_pool & pool, numerics num, int64_t x_stride, int64_t y_stride) {
    if (num == numerics::exact || !qdot_type_has_fast(w.type)) return matmul_variant(v, w, x, n_tokens, y, pool, x_stride, y_stride);
    if (!check_call(v, w, x, n_tokens, y, x_stride, y_stride)) return;
    qmatmul(v, w, x, n_tokens, y, pool, x_stride, y_stride);
}

void matmul(const weight_view & w, const float * x, int64_t n_tokens, float * y, thread_pool & pool,
            int64_t x_stride, int64_t y_stride) {
    matmul_variant(kernels_best_variant(), w, x, n_tokens, y, pool, x_stride, y_stride);
}

void matmul(const weight_view & w, const float * x, int64_t n_tokens, float * y, thread_pool & pool, numerics num,
            int64_t x_stride, int64_t y_stride) {
    matmul_variant(kernels_best_variant(), w, x, n_tokens, y, pool, num, x_stride, y_stride);
}

void get_row(const weight_view & w, int64_t row, float * dst) {
    check_weight(w, "get_row");
    if (row < 0 || row >= w.n_out)
        throw_error(status::invalid_argument, "get_row: row %lld out of range [0, %lld)", (long long)row, (long long)w.n_out);
    dequantize_row(w.type, static_cast<const uint8_t *>(w.data) + (size_t)row * w.row_bytes, dst, w.n_in);
}

} // namespace ifl
