// ifl-kernels-variants.h — the entry points every SIMD variant translation unit exports
// (ifl-kernels-avx2.cpp, ifl-kernels-avx512.cpp, ifl-kernels-emu512.cpp), used by the dispatch in ifl-kernels.cpp and
// ifl-matmul.cpp. Declarations only: nothing here may be inline (see ifl-fp16.h for why).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ifl-ggml-types.h"

namespace ifl {

// One matmul over a range of output rows (validated by the caller).
struct matmul_job {
    ggml_type       type;
    const uint8_t * w;          // [n_out] rows of row_bytes
    size_t          row_bytes;
    int64_t         n_in;
    const float *   x;          // [n_tokens, n_in], row stride x_stride floats
    int64_t         x_stride;
    int64_t         n_tokens;
    float *         y;          // [n_tokens, n_out], row stride y_stride floats
    int64_t         y_stride;
};

#define IFL_DECLARE_KERNEL_VARIANT(ns)                                                               \
    namespace ns {                                                                                 \
    /* Floats of per-thread scratch matmul_rows needs (a constant of the variant). */              \
    size_t matmul_scratch_floats();                                                                \
    /* Output rows [o0, o1) of job for every token; scratch: matmul_scratch_floats(), 64-byte */   \
    /* aligned, owned by the calling thread. */                                                    \
    void matmul_rows(const matmul_job & job, int64_t o0, int64_t o1, float * scratch);             \
    /* dst[0..n) = dequant(src) (n a multiple of the block size; type supported). */               \
    void dequantize(ggml_type t, const void * src, float * dst, int64_t n);                        \
    }

IFL_DECLARE_KERNEL_VARIANT(kern_avx2)
IFL_DECLARE_KERNEL_VARIANT(kern_avx512)
IFL_DECLARE_KERNEL_VARIANT(kern_emu512)   // AVX-512 arithmetic emulated with AVX2 (tests)

} // namespace ifl

namespace ifl {

enum class kernel_variant;

// Output rows [o0, o1) of a job with a SIMD variant, using this thread's scratch.
void kernels_matmul_rows(kernel_variant v, const matmul_job & job, int64_t o0, int64_t o1);

// A 64-byte aligned per-thread buffer of at least `floats` floats, grown (never shrunk) on
// demand and freed when the thread exits. Contents are unspecified.
float * kernels_thread_scratch(size_t floats);

} // namespace ifl
