// quantize(type: string, data: Float32Array, rowLength: number): Promise<Uint8Array>
// The floats are copied before the worker starts; quantizing runs off the JS thread.
#include "quantize-binding.h"

#include <cmath>

#include "errors.h"
#include "promise-worker.h"
#include "quantize.h"
#include "sync-guard.h"

namespace fathom_binding {

Napi::Value quantize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 3 && info[0].IsString(), "quantize(type: string, data: Float32Array, rowLength: number)");
    FATHOM_REQUIRE(env, info[1].IsTypedArray() && info[1].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array, "data must be a Float32Array");
    FATHOM_REQUIRE(env, info[2].IsNumber(), "rowLength must be a number");
    const double row_length = info[2].As<Napi::Number>().DoubleValue();
    Napi::Float32Array array = info[1].As<Napi::Float32Array>();
    const size_t n = array.ElementLength();
    FATHOM_REQUIRE(env, row_length >= 1 && std::floor(row_length) == row_length && n % static_cast<size_t>(row_length) == 0 && n > 0,
                   "data length must be a positive multiple of rowLength");
    ggml_type type = GGML_TYPE_F32;
    guard(env, [&]() -> Napi::Value {
        type = fathom::tensor_type_by_name(info[0].As<Napi::String>());
        return env.Undefined();
    });
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
    FATHOM_REQUIRE(env, info[1].IsTypedArray() && info[1].As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array, "data must be a Uint8Array");
    FATHOM_REQUIRE(env, info[2].IsNumber() && info[2].As<Napi::Number>().DoubleValue() >= 1, "elements must be a positive number");
    ggml_type type = GGML_TYPE_F32;
    guard(env, [&]() -> Napi::Value {
        type = fathom::tensor_type_by_name(info[0].As<Napi::String>());
        return env.Undefined();
    });
    Napi::Uint8Array array = info[1].As<Napi::Uint8Array>();
    std::vector<uint8_t> bytes(array.Data(), array.Data() + array.ElementLength());
    const auto n = static_cast<int64_t>(info[2].As<Napi::Number>().DoubleValue());
    using Floats = std::vector<float>;
    return PromiseWorker<Floats>::run(
        env, "fathom.dequantize", [type, bytes = std::move(bytes), n]() { return fathom::dequantize(type, bytes.data(), bytes.size(), n); },
        [](Napi::Env env, Floats & floats) -> Napi::Value {
            Napi::Float32Array out = Napi::Float32Array::New(env, floats.size());
            std::copy(floats.begin(), floats.end(), out.Data());
            return out;
        });
}

}  // namespace fathom_binding
