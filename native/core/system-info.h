// What the engine runs on, as plain values for the binding: the devices ggml sees,
// and how its CPU backend was built and loaded. No ggml type crosses this header.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace fathom {

struct DeviceInfo {
    std::string name;  // ggml's, e.g. "CPU", "CUDA0"
    std::string description;
    std::string type;        // "cpu" | "gpu" | "igpu" | "accel" | "meta" | "unknown"
    size_t memory_free = 0;  // bytes; for the CPU, the system's memory
    size_t memory_total = 0;
};

struct SystemInfo {
    std::vector<std::pair<std::string, std::string>> cpu_features;  // e.g. {"AVX2", "1"}
    bool dynamic_backends = false;                                  // backends loaded from libraries (a prebuild)
    std::string cpu_variant;                                        // e.g. "haswell"; "built-in" in a source build
    std::string cpu_library;                                        // the CPU backend's file (empty when built in)
    std::string backend_directory;                                  // where backends were loaded from (empty when built in)
};

// Loads the backends first (throws as backends()).
std::vector<DeviceInfo> list_devices();
const SystemInfo & system_info();

}  // namespace fathom
