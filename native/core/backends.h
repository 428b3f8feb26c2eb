// ggml's backends as this process sees them. In a prebuild (GGML_BACKEND_DL) the CPU
// backend is one of several libraries beside the addon, each compiled for a level of
// x86 instruction sets (x64, sse42, haswell, skylakex, zen4, ...): ggml scores each
// against this CPU and loads the best; GPU backends built as libraries load from the
// same folder. In a source build everything is linked in and nothing is loaded.
//
// The CPU backend's own functions (threads, abort, thread pools, repacked weights)
// are looked up through ggml's registry, so the engine never links the CPU backend
// directly and runs the same either way.
#pragma once

#include <string>

#include "ggml-backend.h"

namespace fathom {

struct CpuBackend {
    ggml_backend_dev_t device = nullptr;
    ggml_backend_reg_t reg = nullptr;
    ggml_backend_set_n_threads_t set_n_threads = nullptr;
    ggml_backend_set_abort_callback_t set_abort_callback = nullptr;
    ggml_threadpool_t (*threadpool_new)(ggml_threadpool_params *) = nullptr;
    void (*threadpool_free)(ggml_threadpool_t) = nullptr;
    void (*set_threadpool)(ggml_backend_t, ggml_threadpool_t) = nullptr;
    ggml_backend_dev_get_extra_bufts_t get_extra_bufts = nullptr;  // may stay null
    ggml_backend_get_features_t get_features = nullptr;            // may stay null
};

struct BackendInfo {
    bool dynamic = false;     // backends loaded from libraries (a prebuild)
    std::string directory;    // where they were loaded from (UTF-8)
    std::string cpu_variant;  // e.g. "haswell"; "built-in" in a source build
    std::string cpu_library;  // the CPU backend's file, UTF-8 (empty when built in)
};

// Loads the backends on first use (any thread). Throws Error(NATIVE_LOAD_FAILED) when
// no CPU backend can be loaded, naming the folder and the variant asked for.
const BackendInfo & backends();
// The CPU backend's functions (loads the backends first).
const CpuBackend & cpu_backend();

}  // namespace fathom
