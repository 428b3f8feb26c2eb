// See ggml-log.h. FATHOM_DEBUG=1 in the environment echoes all ggml output to stderr.
#include "ggml-log.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "ggml.h"

namespace fathom {

static thread_local std::string last_error;

static void on_log(ggml_log_level level, const char * text, void *) {
    static const bool debug = std::getenv("FATHOM_DEBUG") != nullptr;
    if (debug) std::fputs(text, stderr);
    if (level == GGML_LOG_LEVEL_ERROR || level == GGML_LOG_LEVEL_WARN) {
        last_error = text;
        while (!last_error.empty() && (last_error.back() == '\n' || last_error.back() == ' ')) last_error.pop_back();
    }
}

void ggml_log_install() {
    static std::once_flag once;
    std::call_once(once, [] { ggml_log_set(on_log, nullptr); });
}

std::string ggml_log_take_last_error() {
    std::string out;
    out.swap(last_error);
    return out;
}

}  // namespace fathom
