// ifl-cpu-features.cpp — cpuid/xgetbv probe and physical core count.
#include "ifl-cpu-features.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <utility>

#if defined(IFL_X86) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#endif

namespace ifl {

static cpu_features detect() {
    cpu_features f;
#if defined(IFL_X86) && (defined(__GNUC__) || defined(__clang__))
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = (c >> 27) & 1;
    const bool fma     = (c >> 12) & 1;
    const bool f16c    = (c >> 29) & 1;
    const bool avx     = (c >> 28) & 1;
    unsigned long long xcr0 = 0;
    if (osxsave) {
        unsigned lo = 0, hi = 0;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = ((unsigned long long)hi << 32) | lo;
    }
    const bool ymm_ok = (xcr0 & 0x6) == 0x6;
    const bool zmm_ok = (xcr0 & 0xe6) == 0xe6;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    f.avx2 = avx && ymm_ok && ((b >> 5) & 1);
    f.fma  = fma && ymm_ok;
    f.f16c = f16c && ymm_ok;
    if (zmm_ok) {
        f.avx512f     = (b >> 16) & 1;
        f.avx512dq    = (b >> 17) & 1;
        f.avx512bw    = (b >> 30) & 1;
        f.avx512vl    = (b >> 31) & 1;
        f.avx512_vnni = (c >> 11) & 1;
        unsigned a1 = 0, b1 = 0, c1 = 0, d1 = 0;
        if (__get_cpuid_count(7, 1, &a1, &b1, &c1, &d1)) f.avx512_bf16 = (a1 >> 5) & 1;
    }
    const char * no512 = std::getenv("INFLLM_NO_AVX512");
    if (no512 && std::strcmp(no512, "0") != 0 && no512[0] != '\0') {
        f.avx512f = f.avx512bw = f.avx512vl = f.avx512dq = f.avx512_vnni = f.avx512_bf16 = false;
    }
#endif
    return f;
}

const cpu_features & cpu_get_features() {
    static const cpu_features f = detect();
    return f;
}

int cpu_physical_cores() {
    // Linux: count distinct (physical id, core id) pairs in /proc/cpuinfo.
    std::ifstream in("/proc/cpuinfo");
    std::set<std::pair<int, int>> cores;
    int phys = 0;
    std::string line;
    while (in && std::getline(in, line)) {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
        const int val = std::atoi(line.c_str() + colon + 1);
        if (key == "physical id") phys = val;
        else if (key == "core id") cores.insert({phys, val});
    }
    if (!cores.empty()) return (int)cores.size();
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? (int)n : 1;
}

} // namespace ifl
