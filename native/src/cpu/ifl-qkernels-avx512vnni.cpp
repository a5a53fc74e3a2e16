// ifl-qkernels-avx512vnni.cpp — the AVX-512 fast kernels with VNNI: as
// ifl-qkernels-avx512.cpp, but vpdpbusd / vpdpwssd fuse maddubs + madd (+ add) — the same
// integers, so results stay bit-identical to AVX2. Selected at run time on CPUs with
// AVX512_VNNI (this file gets -mavx512* -mavx512vnni from CMake). The body is
// ifl-qkernels-body.inc.
#define IFL_QKERN_NS qkern_avx512vnni
#define IFL_QKERN_PREFILL_T 6
#include "ifl-qkernels-body.inc"
