// ifl-probe.h — machine measurements for the benchmark: read bandwidth and FMA peak, so that
// kernel speeds can be reported as fractions of what this machine can do.
#pragma once

#include <cstddef>

namespace ifl {

class thread_pool;

// Read-only streaming bandwidth in GB/s (1e9 bytes/s): every thread sums its contiguous part of
// a `bytes` buffer (use one much larger than the last-level cache) with AVX2 loads, as 4
// interleaved streams; best pass after a warm-up (at least 5 passes and 0.5 s, at most 60).
// Throws ifl::error(invalid_argument) for bytes < 1 MiB.
double measure_read_bandwidth(size_t bytes, thread_pool & pool);

// Peak float32 GFLOP/s (an FMA counts 2) of the best kernel variant: every thread runs
// independent FMA chains held in registers; best of many ~5 ms runs (at least 0.5 s).
double measure_fma_peak(thread_pool & pool);

namespace probe_detail {
// FMAs of one thread's register-resident FMA loop (`iters` iterations); returns a value that
// depends on every result so that the loop is not optimised away. Lanes: 8 or 16.
float fma_loop_avx2(long iters, long * fmas_per_iter);
float fma_loop_avx512(long iters, long * fmas_per_iter);
} // namespace probe_detail

} // namespace ifl
