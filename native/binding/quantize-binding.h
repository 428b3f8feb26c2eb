// Exposes ggml's quantizers to JS (see quantize-binding.cpp).
#pragma once

#include <napi.h>

namespace fathom_binding {

Napi::Value quantize(const Napi::CallbackInfo & info);

}  // namespace fathom_binding
