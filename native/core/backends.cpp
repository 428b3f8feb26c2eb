// See backends.h.
#include "backends.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "error.h"

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

namespace fathom {

namespace {

namespace fs = std::filesystem;

#if defined(_WIN32)
constexpr const char * LIB_PREFIX = "ggml-";
constexpr const char * LIB_SUFFIX = ".dll";
#else
constexpr const char * LIB_PREFIX = "libggml-";
constexpr const char * LIB_SUFFIX = ".so";
#endif

// The file holding the code at `address` (the addon itself, or a loaded backend).
fs::path file_containing(const void * address) {
#if defined(_WIN32)
    HMODULE module = nullptr;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT, static_cast<LPCWSTR>(address), &module))
        return {};
    std::wstring path(32768, L'\0');  // long paths, any characters
    const DWORD n = GetModuleFileNameW(module, path.data(), DWORD(path.size()));
    path.resize(n);
    return fs::path(path);
#else
    Dl_info info{};
    return dladdr(address, &info) && info.dli_fname ? fs::path(info.dli_fname) : fs::path();
#endif
}

template <typename T>
T lookup(ggml_backend_reg_t reg, const char * name) {
    return reinterpret_cast<T>(ggml_backend_reg_get_proc_address(reg, name));
}

#ifdef GGML_BACKEND_DL
void marker() {}  // an address inside the addon, to find its file

// GPU and accelerator backends that may be built as libraries next to the addon.
constexpr const char * OTHER_BACKENDS[] = {"cuda", "hip", "musa", "vulkan", "metal", "sycl", "opencl", "blas"};

void load_dynamic(BackendInfo & info) {
    info.dynamic = true;
    // UTF-8, as ggml reads the paths it is given.
    info.directory = file_containing(reinterpret_cast<const void *>(&marker)).parent_path().u8string();
    const char * forced = std::getenv("FATHOM_CPU_VARIANT");
    if (!forced || !*forced) {
        // ggml scores every libggml-cpu-*.so here against this CPU and keeps the best.
        ggml_backend_load_all_from_path(info.directory.c_str());
        return;
    }
    std::error_code ec;
    const fs::path cpu = fs::u8path(info.directory) / (std::string(LIB_PREFIX) + "cpu-" + forced + LIB_SUFFIX);
    if (!fs::exists(cpu, ec)) throw Error(codes::NATIVE_LOAD_FAILED, "FATHOM_CPU_VARIANT=" + std::string(forced) + ": " + cpu.u8string() + " does not exist");
    if (!ggml_backend_load(cpu.u8string().c_str())) {
        throw Error(codes::NATIVE_LOAD_FAILED,
                    "FATHOM_CPU_VARIANT=" + std::string(forced) + ": " + cpu.u8string() + " cannot run on this CPU or failed to load");
    }
    for (const char * name : OTHER_BACKENDS) {
        const fs::path lib = fs::u8path(info.directory) / (std::string(LIB_PREFIX) + name + LIB_SUFFIX);
        if (fs::exists(lib, ec)) ggml_backend_load(lib.u8string().c_str());
    }
}
#endif

BackendInfo load_backends() {
    BackendInfo info;
#ifdef GGML_BACKEND_DL
    load_dynamic(info);
#endif
    ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    if (!cpu) {
        throw Error(codes::NATIVE_LOAD_FAILED,
                    "no CPU backend could be loaded from " + info.directory + " (expected " + LIB_PREFIX + "cpu-*" + LIB_SUFFIX + " files there)");
    }
    if (info.dynamic) {
        // The variant ggml chose is the library its functions live in.
        const fs::path library =
            file_containing(reinterpret_cast<const void *>(ggml_backend_reg_get_proc_address(ggml_backend_dev_backend_reg(cpu), "ggml_backend_set_n_threads")));
        info.cpu_library = library.u8string();
        const std::string file = library.filename().u8string();
        const std::string prefix = std::string(LIB_PREFIX) + "cpu-";
        info.cpu_variant = file.rfind(prefix, 0) == 0 ? file.substr(prefix.size(), file.size() - prefix.size() - std::string(LIB_SUFFIX).size()) : file;
    } else {
        info.cpu_variant = "built-in";
    }
    return info;
}

CpuBackend resolve_cpu_backend() {
    backends();
    CpuBackend cpu;
    cpu.device = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU);
    cpu.reg = ggml_backend_dev_backend_reg(cpu.device);
    cpu.set_n_threads = lookup<ggml_backend_set_n_threads_t>(cpu.reg, "ggml_backend_set_n_threads");
    cpu.set_abort_callback = lookup<ggml_backend_set_abort_callback_t>(cpu.reg, "ggml_backend_set_abort_callback");
    cpu.threadpool_new = lookup<decltype(cpu.threadpool_new)>(cpu.reg, "ggml_threadpool_new");
    cpu.threadpool_free = lookup<decltype(cpu.threadpool_free)>(cpu.reg, "ggml_threadpool_free");
    cpu.set_threadpool = lookup<decltype(cpu.set_threadpool)>(cpu.reg, "ggml_backend_cpu_set_threadpool");
    cpu.get_extra_bufts = lookup<ggml_backend_dev_get_extra_bufts_t>(cpu.reg, "ggml_backend_dev_get_extra_bufts");
    cpu.get_features = lookup<ggml_backend_get_features_t>(cpu.reg, "ggml_backend_get_features");
    if (!cpu.set_n_threads || !cpu.set_abort_callback || !cpu.threadpool_new || !cpu.threadpool_free || !cpu.set_threadpool) {
        throw Error(codes::NATIVE_LOAD_FAILED, "ggml's CPU backend lacks the thread and abort functions this engine needs");
    }
    return cpu;
}

}  // namespace

const BackendInfo & backends() {
    static const BackendInfo info = load_backends();
    return info;
}

const CpuBackend & cpu_backend() {
    static const CpuBackend cpu = resolve_cpu_backend();
    return cpu;
}

}  // namespace fathom
