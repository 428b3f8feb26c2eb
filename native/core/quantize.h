// Converts F32 rows into any ggml tensor type with ggml's own quantizers, for the
// GGUF writer (synthetic models) and `fathom quantize`. Validates everything
// ggml_quantize_chunk would assert on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ggml.h"

namespace fathom {

// ggml type by name, case-insensitive ("q4_K", "Q4_K", "f16"); throws Error(INVALID_ARGUMENT).
ggml_type tensor_type_by_name(const std::string & name);

// data: n_rows * n_per_row floats, row-major. Returns the rows in `type`'s byte layout.
// Throws Error(INVALID_ARGUMENT) for sizes the type cannot hold, or for types that
// need an importance matrix.
std::vector<uint8_t> quantize_rows(ggml_type type, const float * data, int64_t n_rows, int64_t n_per_row);

// The inverse: `bytes` hold n_elements values of `type`; returns them as floats.
// Throws Error(INVALID_ARGUMENT) when the byte count does not match.
std::vector<float> dequantize(ggml_type type, const uint8_t * bytes, size_t n_bytes, int64_t n_elements);

}  // namespace fathom
