// CPU time of the calling thread, for measuring work that shares a core with others: on a
// busy or virtual machine, wall time also counts the moments the thread was not running.
#pragma once

#include <chrono>

#if defined(_WIN32)
#else
#include <time.h>
#endif

namespace fathom {

// Microseconds of CPU time this thread has used (wall time where the platform has no cheap
// per-thread clock: Windows' thread times tick in 15.6 ms steps).
inline double thread_cpu_micros() {
#if defined(_WIN32)
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now().time_since_epoch()).count();
#else
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
#endif
}

// What an empty interval of thread_cpu_micros() reads (the clock's own cost, a system call on Linux:
// about 0.7 µs on a virtual machine), to subtract from each measured interval. Measured once.
inline double thread_cpu_overhead_micros() {
    static const double overhead = [] {
        double least = 1e9;
        for (int i = 0; i < 64; i++) {
            const double start = thread_cpu_micros();
            const double spent = thread_cpu_micros() - start;
            if (spent < least) least = spent;
        }
        return least;
    }();
    return overhead;
}

}  // namespace fathom
