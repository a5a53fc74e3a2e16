// ifl-kernels.cpp — variant selection, the scalar `ref` variant, vec_dot (exact, or fast via
// ifl-qmatmul.cpp) and the fast row dequantizer dispatch, and the per-thread scratch used by the SIMD variants.
#include "ifl-kernels.h"

#include <cmath>
#include <cstdlib>
#include <new>

#include "ifl-cpu-features.h"
#include "ifl-error.h"
#include "ifl-kernels-variants.h"
#include "ifl-qdot.h"
#include "ifl-quants.h"

namespace ifl {

namespace {

struct scratch_buffer {
    float * p = nullptr;
    size_t  n = 0;
    ~scratch_buffer() { std::free(p); }
};

// Validates (type, n) and returns the traits.
const ggml_type_traits & check_row(ggml_type t, int64_t n, const char * what) {
    const ggml_type_traits * tr = &quants_traits(t, what);
    if (n < 0 || n % tr->block_size != 0)
        throw_error(status::invalid_argument, "%s: row length %lld is not a multiple of the %s block size %lld",
                    what, (long long)n, tr->name, (long long)tr->block_size);
    return *tr;
}

} // namespace

float * kernels_thread_scratch(size_t floats) {
    thread_local scratch_buffer buf;
    if (buf.n < floats) {
        const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
        void * p = std::aligned_alloc(64, bytes);
        if (!p) throw std::bad_alloc();
        std::free(buf.p);
        buf.p = static_cast<float *>(p);
        buf.n = floats;
    }
    return buf.p;
}

void kernels_matmul_rows(kernel_variant v, const matmul_job & job, int64_t o0, int64_t o1) {
    switch (v) {
        case kernel_variant::avx512:
            kern_avx512::matmul_rows(job, o0, o1, kernels_thread_scratch(kern_avx512::matmul_scratch_floats()));
            break;
        case kernel_variant::avx512_emulated:
            kern_emu512::matmul_rows(job, o0, o1, kernels_thread_scratch(kern_emu512::matmul_scratch_floats()));
            break;
        case kernel_variant::avx2:
            kern_avx2::matmul_rows(job, o0, o1, kernels_thread_scratch(kern_avx2::matmul_scratch_floats()));
            break;
        case kernel_variant::ref: throw_error(status::internal, "kernels_matmul_rows: ref rows are computed by matmul");
    }
}

kernel_variant kernels_best_variant() {
    const cpu_features & f = cpu_get_features();
    if (f.avx512() && f.baseline()) return kernel_variant::avx512;
    if (f.baseline()) return kernel_variant::avx2;
    return kernel_variant::ref;
}

bool kernels_variant_available(kernel_variant v) {
    const cpu_features & f = cpu_get_features();
    switch (v) {
        case kernel_variant::ref: return true;
        case kernel_variant::avx2: return f.baseline();
        case kernel_variant::avx512: return f.baseline() && f.avx512();
        case kernel_variant::avx512_emulated: return f.baseline();
    }
    return false;
}

const char * kernel_variant_name(kernel_variant v) {
    switch (v) {
        case kernel_variant::ref: return "ref";
        case kernel_variant::avx2: return "avx2";
        case kernel_variant::avx512: return "avx512";
        case kernel_variant::avx512_emulated: return "avx512-emu";
    }
    return "?";
}

int kernel_variant_lanes(kernel_variant v) {
    switch (v) {
        case kernel_variant::avx512: case kernel_variant::avx512_emulated: return 16;
        case kernel_variant::avx2: return 8;
        default: return 1;
    }
}

float vec_dot_variant(kernel_variant v, ggml_type t, int64_t n, const void * w_row, const float * x) {
    const ggml_type_traits & tr = check_row(t, n, "vec_dot");
    if (!kernels_variant_available(v))
        throw_error(status::invalid_argument, "vec_dot: kernel variant %s is not available on this CPU", kernel_variant_name(v));
    if (v == kernel_variant::ref) {
        // Sequential float32 FMA over k (one lane), on the reference dequantization.
        float * w = kernels_thread_scratch((size_t)n);
        dequantize_row_ref(t, w_row, w, n);
        float acc = 0.0f;
        for (int64_t k = 0; k < n; ++k) acc = std::fma(w[k], x[k], acc);
        return acc;
    }
    // One output of a one-token matmul: the same code and order as every matmul row.
    float y = 0.0f;
    const matmul_job job{t, static_cast<const uint8_t *>(w_row), ggml_row_size(tr, n), n, x, n, 1, &y, 1};
    kernels_matmul_rows(v, job, 0, 1);
    return y;
}

float vec_dot_variant(kernel_variant v, ggml_type t, int64_t n, const void * w_row, const float * x, numerics num) {
    if (num == numerics::exact || !qdot_type_has_fast(t)) return vec_dot_variant(v, t, n, w_row, x);
    check_row(t, n, "vec_dot");
    if (!kernels_variant_available(v))
        throw_error(status::invalid_argument, "vec_dot: kernel variant %s is not available on this CPU", kernel_variant_name(v));
    return qvec_dot(v, t, n, w_row, x);
}

float vec_dot(ggml_type t, int64_t n, const void * w_row, const float * x) {
    return vec_dot_variant(kernels_best_variant(), t, n, w_row, x);
}

void dequantize_row(ggml_type t, const void * src, float * dst, int64_t n) {
    check_row(t, n, "dequantize_row");
    switch (kernels_best_variant()) {
        case kernel_variant::avx512: kern_avx512::dequantize(t, src, dst, n); break;
        case kernel_variant::avx2: kern_avx2::dequantize(t, src, dst, n); break;
        default: dequantize_row_ref(t, src, dst, n); break;
    }
}

} // namespace ifl
