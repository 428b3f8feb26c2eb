// See threadpool-cache.h.
#include "threadpool-cache.h"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "backends.h"
#include "error.h"

namespace fathom {

namespace {

// Idle pools kept at most; beyond that a released pool is freed.
constexpr size_t MAX_IDLE = 4;

struct IdlePools {
    std::mutex mutex;
    std::vector<std::pair<int, ggml_threadpool_t>> pools;  // (n_threads, pool)
};

IdlePools & idle() {
    static IdlePools * pools = new IdlePools();  // never destroyed: pools may be released during exit
    return *pools;
}

}  // namespace

ggml_threadpool_t acquire_threadpool(int n_threads) {
    {
        std::lock_guard<std::mutex> lock(idle().mutex);
        auto & pools = idle().pools;
        for (auto it = pools.begin(); it != pools.end(); ++it) {
            if (it->first == n_threads) {
                ggml_threadpool_t pool = it->second;
                pools.erase(it);
                return pool;
            }
        }
    }
    // No polling between graphs: an idle worker that spins takes a core from the JS thread and the
    // thread that queues the next token (measured on 2 cores: 2 threads were slower than 1 on small
    // models); waking a sleeping worker costs microseconds, next to milliseconds of work.
    ggml_threadpool_params params = ggml_threadpool_params_default(n_threads);
    params.poll = 0;
    ggml_threadpool_t pool = cpu_backend().threadpool_new(&params);
    if (!pool) throw Error(codes::OUT_OF_MEMORY, "cannot start a pool of " + std::to_string(n_threads) + " threads");
    return pool;
}

void release_threadpool(ggml_threadpool_t pool, int n_threads) {
    if (!pool) return;
    // Its workers sleep on a condition variable between graphs (poll = 0), so a kept pool costs no CPU.
    std::unique_lock<std::mutex> lock(idle().mutex);
    auto & pools = idle().pools;
    if (pools.size() < MAX_IDLE) {
        pools.emplace_back(n_threads, pool);
        return;
    }
    lock.unlock();
    cpu_backend().threadpool_free(pool);
}

}  // namespace fathom
