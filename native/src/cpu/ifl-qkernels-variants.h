// ifl-qkernels-variants.h — the entry points every fast-kernel variant translation unit exports
// (ifl-qkernels-avx2.cpp, -avx512.cpp, -avx512vnni.cpp, -emu512.cpp: one body,
// ifl-qkernels-body.inc), used by the dispatch in ifl-qmatmul.cpp. Declarations only (see
// ifl-fp16.h for why nothing here may be inline).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ifl-qdot.h"

namespace ifl {

#define IFL_DECLARE_QKERNEL_VARIANT(ns)                                                              \
    namespace ns {                                                                                 \
    /* Floats of per-thread scratch qmatmul_rows needs (a constant of the variant). */             \
    size_t qmatmul_scratch_floats();                                                               \
    /* Output rows [o0, o1) of a fast job for every token; scratch: 64-byte aligned, owned by */   \
    /* the calling thread. */                                                                      \
    void qmatmul_rows(const qmatmul_job & job, int64_t o0, int64_t o1, float * scratch);           \
    }

IFL_DECLARE_QKERNEL_VARIANT(qkern_avx2)
IFL_DECLARE_QKERNEL_VARIANT(qkern_avx512)
IFL_DECLARE_QKERNEL_VARIANT(qkern_avx512vnni)
IFL_DECLARE_QKERNEL_VARIANT(qkern_emu512)   // AVX2 code with the AVX-512 tile shapes (tests)

#undef IFL_DECLARE_QKERNEL_VARIANT

} // namespace ifl
