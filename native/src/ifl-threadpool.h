// ifl-threadpool.h — a small fork-join pool for the CPU kernels.
// The calling thread is thread 0 and takes part in every job; workers spin briefly after a job
// (decode issues many short jobs back to back) and then sleep on a condition variable; the
// caller yields while it waits so an oversubscribed machine does not stall.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ifl {

class thread_pool {
public:
    // n_threads: total threads including the caller (clamped to >= 1).
    explicit thread_pool(int n_threads);
    ~thread_pool();
    thread_pool(const thread_pool &) = delete;
    thread_pool & operator=(const thread_pool &) = delete;

    int n_threads() const { return n_threads_; }

    // Runs fn(ith, nth) once on each of the nth threads and returns when all are done.
    // The first exception thrown by any fn is rethrown here. Not re-entrant.
    void run(const std::function<void(int ith, int nth)> & fn);

    // Splits [0, n) into contiguous ranges whose boundaries are multiples of `grain` (except
    // the end) and runs fn(begin, end) for each, on whichever thread claims it first (a thread
    // may run several ranges; per-thread scratch must be thread_local). Boundaries depend only
    // on n, grain and n_threads().
    void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)> & fn);

private:
    void worker_main(int ith);
    void execute(int ith);

    int                                            n_threads_;
    std::vector<std::thread>                       workers_;
    std::mutex                                     mutex_;
    std::condition_variable                        wake_;
    std::atomic<uint64_t>                          generation_{0};
    std::atomic<int>                               pending_{0};
    std::atomic<bool>                              stop_{false};
    const std::function<void(int, int)> *          job_ = nullptr;
    std::exception_ptr                             error_;
    std::mutex                                     error_mutex_;
};

} // namespace ifl
