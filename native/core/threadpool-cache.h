// Compute thread pools shared across contexts over time (never at the same time):
// a disposed context's pool (its workers asleep: pools never poll) is kept for the next context with the same
// thread count. Creating a context then starts no threads, and a process that makes
// and disposes contexts does not churn threads (whose stacks and malloc arenas
// glibc keeps around, growing RSS).
#pragma once

#include "ggml.h"

namespace fathom {

// A pool of n_threads for one context's exclusive use. Throws Error(OUT_OF_MEMORY).
ggml_threadpool_t acquire_threadpool(int n_threads);
// Gives a pool of n_threads back (it must no longer be computing).
void release_threadpool(ggml_threadpool_t pool, int n_threads);

}  // namespace fathom
