// ifl-threadpool.cpp — fork-join pool: generation counter + short spin + condition variable.
#include "ifl-threadpool.h"

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
    while (pending_.load(std::memory_order_acquire) != 0) IFL_CPU_RELAX();
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
    // One captured pointer keeps the std::function below in its small buffer: no heap
    // allocation per call (decode issues hundreds of these per token).
    struct range { int64_t n, grain, n_grains; const std::function<void(int64_t, int64_t)> * fn; };
    const range r{n, grain, (n + grain - 1) / grain, &fn};
    const range * rp = &r;
    run([rp](int ith, int nth) {
        const int64_t g0 = rp->n_grains * ith / nth;
        const int64_t g1 = rp->n_grains * (ith + 1) / nth;
        const int64_t begin = g0 * rp->grain;
        const int64_t end = g1 * rp->grain < rp->n ? g1 * rp->grain : rp->n;
        if (begin < end) (*rp->fn)(begin, end);
    });
}

} // namespace ifl
