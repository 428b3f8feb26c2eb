// See args.h.
#include "args.h"

#include <algorithm>
#include <cmath>

#include "errors.h"

namespace fathom_binding {

namespace {

bool is_typed(Napi::Value v, napi_typedarray_type type) { return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type; }

}  // namespace

Napi::Int32Array read_int32_array(Napi::Env env, Napi::Value v, const char * what) {
    FATHOM_REQUIRE(env, is_typed(v, napi_int32_array), std::string(what) + " must be an Int32Array");
    return v.As<Napi::Int32Array>();
}

Napi::Float32Array read_float32_array(Napi::Env env, Napi::Value v, const char * what) {
    FATHOM_REQUIRE(env, is_typed(v, napi_float32_array), std::string(what) + " must be a Float32Array");
    return v.As<Napi::Float32Array>();
}

Napi::Uint8Array read_uint8_array(Napi::Env env, Napi::Value v, const char * what) {
    FATHOM_REQUIRE(env, is_typed(v, napi_uint8_array), std::string(what) + " must be a Uint8Array");
    return v.As<Napi::Uint8Array>();
}

Napi::Uint32Array read_uint32_array(Napi::Env env, Napi::Value v, const char * what) {
    FATHOM_REQUIRE(env, is_typed(v, napi_uint32_array), std::string(what) + " must be a Uint32Array");
    return v.As<Napi::Uint32Array>();
}

std::vector<fathom::Token> read_tokens(Napi::Env env, Napi::Value v, const char * what) {
    Napi::Int32Array array = read_int32_array(env, v, what);
    return std::vector<fathom::Token>(array.Data(), array.Data() + array.ElementLength());
}

double read_number(Napi::Env env, Napi::Value v, const char * what) {
    FATHOM_REQUIRE(env, v.IsNumber(), std::string(what) + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
}

double read_integer(Napi::Env env, Napi::Value v, const char * what, double max) {
    const double d = read_number(env, v, what);
    FATHOM_REQUIRE(env, d >= 0 && d <= max && std::floor(d) == d,
                   std::string(what) + " must be an integer between 0 and " + std::to_string(static_cast<uint64_t>(max)));
    return d;
}

uint32_t read_uint32(Napi::Env env, Napi::Value v, const char * what) { return static_cast<uint32_t>(read_integer(env, v, what, 4294967295.0)); }

std::vector<uint32_t> read_uint32_list(Napi::Env env, Napi::Value v, const char * what) {
    std::vector<uint32_t> out;
    if (v.IsUndefined()) return out;
    FATHOM_REQUIRE(env, v.IsArray(), std::string(what) + " must be an array of integers");
    Napi::Array list = v.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) out.push_back(read_uint32(env, list.Get(i), what));
    return out;
}

size_t read_top_k(Napi::Env env, Napi::Value v) {
    if (v.IsUndefined()) return 0;
    FATHOM_REQUIRE(env, v.IsNumber() && v.As<Napi::Number>().DoubleValue() >= 0, "topK must be a non-negative number");
    return static_cast<size_t>(std::min(v.As<Napi::Number>().DoubleValue(), 1e9));
}

std::shared_ptr<fathom::ControlVector> read_control(Napi::Env env, Napi::Value v) {
    if (v.IsUndefined() || v.IsNull()) return nullptr;
    FATHOM_REQUIRE(env, v.IsObject(), "control must be { data: Float32Array, firstLayer, lastLayer }");
    Napi::Object o = v.As<Napi::Object>();
    Napi::Float32Array values = read_float32_array(env, o.Get("data"), "control.data");
    auto control = std::make_shared<fathom::ControlVector>();
    control->data.assign(values.Data(), values.Data() + values.ElementLength());
    control->first_layer = read_uint32(env, o.Get("firstLayer"), "control.firstLayer");
    control->last_layer = read_uint32(env, o.Get("lastLayer"), "control.lastLayer");
    return control;
}

Napi::Float32Array to_float32_array(Napi::Env env, const std::vector<float> & values) {
    Napi::Float32Array out = Napi::Float32Array::New(env, values.size());
    std::copy(values.begin(), values.end(), out.Data());
    return out;
}

Napi::Int32Array to_int32_array(Napi::Env env, const std::vector<int32_t> & values) {
    Napi::Int32Array out = Napi::Int32Array::New(env, values.size());
    std::copy(values.begin(), values.end(), out.Data());
    return out;
}

}  // namespace fathom_binding
