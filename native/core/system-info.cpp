// See system-info.h.
#include "system-info.h"

#include <iterator>

#include "backends.h"
#include "ggml-backend.h"

namespace fathom {

std::vector<DeviceInfo> list_devices() {
    static const char * const TYPES[] = {"cpu", "gpu", "igpu", "accel", "meta"};
    backends();
    std::vector<DeviceInfo> out;
    for (size_t i = 0; i < ggml_backend_dev_count(); i++) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        DeviceInfo d;
        ggml_backend_dev_memory(dev, &d.memory_free, &d.memory_total);
        const int type = ggml_backend_dev_type(dev);
        d.name = ggml_backend_dev_name(dev);
        d.description = ggml_backend_dev_description(dev);
        d.type = type >= 0 && size_t(type) < std::size(TYPES) ? TYPES[type] : "unknown";
        out.push_back(std::move(d));
    }
    return out;
}

const SystemInfo & system_info() {
    static const SystemInfo info = [] {
        SystemInfo s;
        const CpuBackend & cpu = cpu_backend();
        for (ggml_backend_feature * f = cpu.get_features ? cpu.get_features(cpu.reg) : nullptr; f && f->name; f++)
            s.cpu_features.emplace_back(f->name, f->value);
        const BackendInfo & b = backends();
        s.dynamic_backends = b.dynamic;
        s.cpu_variant = b.cpu_variant;
        s.cpu_library = b.cpu_library;
        s.backend_directory = b.directory;
        return s;
    }();
    return info;
}

}  // namespace fathom
