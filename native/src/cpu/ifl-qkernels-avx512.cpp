// ifl-qkernels-avx512.cpp — the fast kernels compiled for AVX-512 (F+BW+VL+DQ), for
// CPUs without VNNI: the same 8-lane (ymm) arithmetic as AVX2, so results are bit-identical,
// with the 32 vector registers used for larger tiles (4x6 prefill). Selected at
// run time only (this file gets -mavx512* from CMake). The body is ifl-qkernels-body.inc.
#define IFL_QKERN_NS qkern_avx512
#define IFL_QKERN_PREFILL_T 6
#include "ifl-qkernels-body.inc"
