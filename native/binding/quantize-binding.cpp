// quantize(type: string, data: Float32Array, rowLength: number): Promise<Uint8Array>
// The floats are copied before the worker starts; quantizing runs off the JS thread.
#include "quantize-binding.h"

#include <cmath>

#include "args.h"
#include "errors.h"
#include "promise-worker.h"
#include "quantize.h"

namespace fathom_binding {

Napi::Value quantize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 3 && info[0].IsString(), "quantize(type: string, data: Float32Array, rowLength: number)");
    Napi::Float32Array array = read_float32_array(env, info[1], "data");
    const double row_length = read_number(env, info[2], "rowLength");
    const size_t n = array.ElementLength();
    FATHOM_REQUIRE(env, row_length >= 1 && std::floor(row_length) == row_length && n % static_cast<size_t>(row_length) == 0 && n > 0,
                   "data length must be a positive multiple of rowLength");
    const std::string type = info[0].As<Napi::String>();
    guard(env, [&] { fathom::check_tensor_type(type); });
    const auto n_per_row = static_cast<int64_t>(row_length);
    std::vector<float> floats(array.Data(), array.Data() + n);
    using Bytes = std::vector<uint8_t>;
    return PromiseWorker<Bytes>::run(
        env, "fathom.quantize",
        [type, floats = std::move(floats), n_per_row]() {
            return fathom::quantize_rows(type, floats.data(), static_cast<int64_t>(floats.size()) / n_per_row, n_per_row);
        },
        [](Napi::Env env, Bytes & bytes) -> Napi::Value {
            Napi::Uint8Array out = Napi::Uint8Array::New(env, bytes.size());
            std::copy(bytes.begin(), bytes.end(), out.Data());
            return out;
        });
}

Napi::Value dequantize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 3 && info[0].IsString(), "dequantize(type: string, data: Uint8Array, elements: number)");
    Napi::Uint8Array array = read_uint8_array(env, info[1], "data");
    FATHOM_REQUIRE(env, read_number(env, info[2], "elements") >= 1, "elements must be a positive number");
    const std::string type = info[0].As<Napi::String>();
    guard(env, [&] { fathom::check_tensor_type(type); });
    std::vector<uint8_t> bytes(array.Data(), array.Data() + array.ElementLength());
    const auto n = static_cast<int64_t>(info[2].As<Napi::Number>().DoubleValue());
    using Floats = std::vector<float>;
    return PromiseWorker<Floats>::run(
        env, "fathom.dequantize", [type, bytes = std::move(bytes), n]() { return fathom::dequantize(type, bytes.data(), bytes.size(), n); },
        [](Napi::Env env, Floats & floats) -> Napi::Value { return to_float32_array(env, floats); });
}

}  // namespace fathom_binding
