// ifl-threadpool.cpp — fork-join pool: generation counter + short spin + condition variable.
#include "ifl-threadpool.h"

#include <algorithm>

#if defined(IFL_X86)
#include <immintrin.h>
#define IFL_CPU_RELAX() _mm_pause()
#else
#define IFL_CPU_RELAX() std::this_thread::yield()
#endif

namespace ifl {

// Spin iterations before sleeping (~tens of microseconds): covers the gap between the many
// small kernels of one decode step without burning a core while the pool is idle.
static constexpr int k_spin_iterations = 20000;
// The caller waiting for the workers spins this long, then yields its time slice on every
// check: when the machine is oversubscribed (other processes, or more threads than free cores)
// a descheduled worker can only finish if the waiting thread gives its core up.
static constexpr int k_wait_spins = 2000;
// parallel_for cuts its range into at most this many chunks per thread, claimed dynamically, so
// a thread slowed down by another process does not hold the whole job back.
static constexpr int64_t k_chunks_per_thread = 4;

thread_pool::thread_pool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker_main(i); });
}

thread_pool::~thread_pool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_.store(true);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto & t : workers_) t.join();
}

void thread_pool::execute(int ith) {
    try {
        (*job_)(ith, n_threads_);
    } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
    }
}

void thread_pool::worker_main(int ith) {
    uint64_t seen = 0;
    for (;;) {
        int spins = 0;
        while (generation_.load(std::memory_order_acquire) == seen && spins < k_spin_iterations) {
            IFL_CPU_RELAX();
            ++spins;
        }
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load() != seen; });
        }
        seen = generation_.load(std::memory_order_acquire);
        if (stop_.load()) return;
        execute(ith);
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void thread_pool::run(const std::function<void(int, int)> & fn) {
    if (n_threads_ == 1) {
        fn(0, 1);
        return;
    }
    job_ = &fn;
    error_ = nullptr;
    pending_.store(n_threads_ - 1, std::memory_order_release);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    wake_.notify_all();
    execute(0);
    for (int spins = 0; pending_.load(std::memory_order_acquire) != 0; ++spins) {
        if (spins < k_wait_spins) IFL_CPU_RELAX();
        else std::this_thread::yield();
    }
    job_ = nullptr;
    if (error_) {
        std::exception_ptr e = error_;
        error_ = nullptr;
        std::rethrow_exception(e);
    }
}

void thread_pool::parallel_for(int64_t n, int64_t grain,
                               const std::function<void(int64_t, int64_t)> & fn) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    const int64_t n_grains = (n + grain - 1) / grain;
    if (n_threads_ == 1 || n_grains == 1) {
        fn(0, n);
        return;
    }
    // Chunks of whole grains, claimed in order through an atomic counter. Chunk boundaries
    // depend only on n, grain and the pool size, never on which thread runs a chunk. One
    // captured pointer keeps the std::function below in its small buffer: no heap allocation
    // per call (decode issues hundreds of these per token).
    struct job {
        std::atomic<int64_t> next{0};
        int64_t n, grain, n_grains, n_chunks;
        const std::function<void(int64_t, int64_t)> * fn;
    } j;
    j.n = n;
    j.grain = grain;
    j.n_grains = n_grains;
    j.n_chunks = std::min<int64_t>(n_grains, (int64_t)n_threads_ * k_chunks_per_thread);
    j.fn = &fn;
    job * jp = &j;
    run([jp](int, int) {
        for (int64_t c = jp->next.fetch_add(1); c < jp->n_chunks; c = jp->next.fetch_add(1)) {
            const int64_t g0 = jp->n_grains * c / jp->n_chunks;
            const int64_t g1 = jp->n_grains * (c + 1) / jp->n_chunks;
            const int64_t begin = g0 * jp->grain;
            const int64_t end = std::min(g1 * jp->grain, jp->n);
            if (begin < end) (*jp->fn)(begin, end);
        }
    });
}

} // namespace ifl
