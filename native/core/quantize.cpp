// See quantize.h.
#include "quantize.h"

#include <algorithm>
#include <cctype>

#include "error.h"
#include "ggml.h"

namespace fathom {

static std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

static ggml_type tensor_type_by_name(const std::string & name) {
    const std::string wanted = lower(name);
    for (int t = 0; t < GGML_TYPE_COUNT; t++) {
        const auto type = static_cast<ggml_type>(t);
        if (ggml_type_size(type) != 0 && lower(ggml_type_name(type)) == wanted) return type;
    }
    throw Error(codes::INVALID_ARGUMENT, "unknown tensor type '" + name + "'");
}

static std::vector<uint8_t> quantize_rows(ggml_type type, const float * data, int64_t n_rows, int64_t n_per_row) {
    const std::string name = ggml_type_name(type);
    if (n_rows <= 0 || n_per_row <= 0) throw Error(codes::INVALID_ARGUMENT, "quantize: rows and row length must be positive");
    if (n_per_row % ggml_blck_size(type) != 0) {
        throw Error(codes::INVALID_ARGUMENT, "quantize: row length " + std::to_string(n_per_row) + " is not a multiple of the " + name + " block size " +
                                                 std::to_string(ggml_blck_size(type)));
    }
    if (ggml_quantize_requires_imatrix(type)) {
        throw Error(codes::INVALID_ARGUMENT, "quantize: type " + name + " needs an importance matrix, which is not supported yet");
    }
    // Integer types and quantization-only intermediates have no quantizer.
    if (type != GGML_TYPE_F32 && type != GGML_TYPE_F16 && type != GGML_TYPE_BF16 && !ggml_is_quantized(type)) {
        throw Error(codes::INVALID_ARGUMENT, "quantize: cannot convert to " + name);
    }
    if (type == GGML_TYPE_Q8_1 || type == GGML_TYPE_Q8_K) {
        throw Error(codes::INVALID_ARGUMENT, "quantize: " + name + " is an activation format, not a weight type");
    }
    std::vector<uint8_t> out(ggml_row_size(type, n_per_row) * n_rows);
    ggml_quantize_init(type);
    const size_t written = ggml_quantize_chunk(type, data, out.data(), 0, n_rows, n_per_row, nullptr);
    out.resize(written);
    return out;
}

static std::vector<float> dequantize(ggml_type type, const uint8_t * bytes, size_t n_bytes, int64_t n_elements) {
    const std::string name = ggml_type_name(type);
    if (n_elements <= 0 || n_elements % ggml_blck_size(type) != 0) {
        throw Error(codes::INVALID_ARGUMENT, "dequantize: " + std::to_string(n_elements) + " elements do not fill whole " + name + " blocks");
    }
    if (ggml_row_size(type, n_elements) != n_bytes) {
        throw Error(codes::INVALID_ARGUMENT,
                    "dequantize: " + std::to_string(n_bytes) + " bytes do not hold " + std::to_string(n_elements) + " " + name + " values");
    }
    std::vector<float> out(n_elements);
    if (type == GGML_TYPE_F32) {
        std::copy_n(reinterpret_cast<const float *>(bytes), n_elements, out.data());
        return out;
    }
    const ggml_type_traits * traits = ggml_get_type_traits(type);
    if (!traits->to_float) throw Error(codes::INVALID_ARGUMENT, "dequantize: no conversion from " + name + " to F32");
    traits->to_float(bytes, out.data(), n_elements);
    return out;
}

void check_tensor_type(const std::string & type) { tensor_type_by_name(type); }

std::vector<uint8_t> quantize_rows(const std::string & type, const float * data, int64_t n_rows, int64_t n_per_row) {
    return quantize_rows(tensor_type_by_name(type), data, n_rows, n_per_row);
}

std::vector<float> dequantize(const std::string & type, const uint8_t * bytes, size_t n_bytes, int64_t n_elements) {
    return dequantize(tensor_type_by_name(type), bytes, n_bytes, n_elements);
}

}  // namespace fathom
