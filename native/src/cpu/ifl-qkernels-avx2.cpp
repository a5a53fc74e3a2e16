// ifl-qkernels-avx2.cpp — the fast (8-bit activation) kernels for AVX2: maddubs/madd integer
// lanes; decode tiles of 4 rows (32-element blocks) or 1 row (K-quants); 4x2 prefill tiles
// (rows x tokens; measured best of 2x4, 4x2, 4x3, 3x4, 2x6 on Zen 3: larger tiles spill some of
// the 16 ymm registers). The body is ifl-qkernels-body.inc; the shared code lives in
// ifl-qdecode-simd.h, ifl-qmatmul-simd.h and ifl-qprefill-simd.h.
#define IFL_QKERN_NS qkern_avx2
#define IFL_QKERN_PREFILL_T 2
#include "ifl-qkernels-body.inc"
