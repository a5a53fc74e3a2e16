// ifl-qkernels-emu512.cpp — the AVX-512 variant's prefill tile shape (4x6) compiled for AVX2,
// for tests only (kernel_variant::avx512_emulated): on any CPU it exercises the tile and tail
// code paths the AVX-512 build uses; results must equal every other variant's bit for bit.
// The body is ifl-qkernels-body.inc.
#define IFL_QKERN_NS qkern_emu512
#define IFL_QKERN_PREFILL_T 6
#include "ifl-qkernels-body.inc"
