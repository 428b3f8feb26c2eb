// Routes ggml's log output: errors are kept per thread so a failed ggml call can
// be reported inside our typed error instead of on the host's stderr.
#pragma once

#include <string>

namespace fathom {

// Installs the callback once; safe to call from any thread.
void ggml_log_install();
// The most recent ggml error/warning text logged on this thread ("" if none), then clears it.
std::string ggml_log_take_last_error();

}  // namespace fathom
