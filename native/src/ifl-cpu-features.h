// ifl-cpu-features.h — run-time CPU feature detection for kernel dispatch.
// Compiled without SIMD flags so the probe itself runs on any x86-64 CPU.
#pragma once

namespace ifl {

struct cpu_features {
    bool avx2     = false;
    bool fma      = false;
    bool f16c     = false;
    bool avx512f  = false;
    bool avx512bw = false;
    bool avx512vl = false;
    bool avx512dq = false;
    bool avx512_vnni = false;
    bool avx512_bf16 = false;
    // The build baseline (AVX2+FMA+F16C) is present: the engine may run.
    bool baseline() const { return avx2 && fma && f16c; }
    // The AVX-512 kernel set (F+BW+VL+DQ) may be used.
    bool avx512() const { return avx512f && avx512bw && avx512vl && avx512dq; }
};

// Detected once; never throws. Setting INFLLM_NO_AVX512=1 hides AVX-512 (to test the AVX2 path).
const cpu_features & cpu_get_features();

// Number of physical cores (best effort; falls back to logical CPUs).
int cpu_physical_cores();

} // namespace ifl
