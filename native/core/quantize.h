// Converts F32 rows into any ggml tensor type with ggml's own quantizers, for the
// GGUF writer (synthetic models) and `fathom quantize`. Validates everything
// ggml_quantize_chunk would assert on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fathom {

// Types are named as ggml names them, case-insensitive ("q4_K", "Q4_K", "f16"); an unknown
// name throws Error(INVALID_ARGUMENT). This checks one without converting anything.
void check_tensor_type(const std::string & type);

// data: n_rows * n_per_row floats, row-major. Returns the rows in `type`'s byte layout.
// Throws Error(INVALID_ARGUMENT) for sizes the type cannot hold, or for types that
// need an importance matrix.
std::vector<uint8_t> quantize_rows(const std::string & type, const float * data, int64_t n_rows, int64_t n_per_row);

// The inverse: `bytes` hold n_elements values of `type`; returns them as floats.
// Throws Error(INVALID_ARGUMENT) when the byte count does not match.
std::vector<float> dequantize(const std::string & type, const uint8_t * bytes, size_t n_bytes, int64_t n_elements);

}  // namespace fathom
