// Exposes ggml's quantizers to JS (see quantize-binding.cpp).
#pragma once

#include <napi.h>

namespace fathom_binding {

Napi::Value quantize(const Napi::CallbackInfo & info);
// dequantize(type: string, data: Uint8Array, elements: number): Promise<Float32Array>
Napi::Value dequantize(const Napi::CallbackInfo & info);

}  // namespace fathom_binding
