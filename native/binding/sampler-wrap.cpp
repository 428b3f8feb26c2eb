// See sampler-wrap.h. Options are validated by the engine; TS gives friendlier messages first.
#include "sampler-wrap.h"

#include <cmath>

#include "errors.h"
#include "sync-guard.h"

namespace fathom_binding {

Napi::Function SamplerWrap::define(Napi::Env env) {
    return DefineClass(env, "NativeSampler", {});
}

namespace {

Napi::Int32Array int32_array(Napi::Env env, Napi::Value v, const char * key) {
    FATHOM_REQUIRE(env, v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array, std::string(key) + " must be an Int32Array");
    return v.As<Napi::Int32Array>();
}

}  // namespace

SamplerWrap::SamplerWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<SamplerWrap>(info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsObject(), "NativeSampler(options: object)");
    Napi::Object opts = info[0].As<Napi::Object>();
    const auto number = [&](const char * key, double fallback) {
        Napi::Value v = opts.Get(key);
        if (v.IsUndefined()) return fallback;
        FATHOM_REQUIRE(env, v.IsNumber(), std::string(key) + " must be a number");
        return v.As<Napi::Number>().DoubleValue();
    };
    const auto integer = [&](const char * key, double fallback, double max) {
        const double d = number(key, fallback);
        FATHOM_REQUIRE(env, d >= 0 && d <= max && std::floor(d) == d, std::string(key) + " must be an integer between 0 and " + std::to_string(static_cast<uint64_t>(max)));
        return d;
    };
    fathom::SamplerParams params;
    params.temperature = static_cast<float>(number("temperature", 0));
    params.top_k = static_cast<int32_t>(integer("topK", 0, 2147483647));
    params.top_p = static_cast<float>(number("topP", 1));
    params.min_p = static_cast<float>(number("minP", 0));
    params.typical_p = static_cast<float>(number("typicalP", 1));
    params.repeat_penalty = static_cast<float>(number("repeatPenalty", 1));
    params.frequency_penalty = static_cast<float>(number("frequencyPenalty", 0));
    params.presence_penalty = static_cast<float>(number("presencePenalty", 0));
    params.penalty_last_n = static_cast<int32_t>(integer("penaltyLastN", 64, 1 << 24));
    params.dry_multiplier = static_cast<float>(number("dryMultiplier", 0));
    params.dry_base = static_cast<float>(number("dryBase", 1.75));
    params.dry_allowed_length = static_cast<int32_t>(integer("dryAllowedLength", 2, 1 << 24));
    params.dry_penalty_last_n = static_cast<int32_t>(integer("dryPenaltyLastN", 64, 1 << 24));
    params.xtc_probability = static_cast<float>(number("xtcProbability", 0));
    params.xtc_threshold = static_cast<float>(number("xtcThreshold", 0.1));
    params.seed = static_cast<uint32_t>(integer("seed", 0, 4294967295.0));

    Napi::Value breakers = opts.Get("drySequenceBreakers");
    if (!breakers.IsUndefined()) {
        FATHOM_REQUIRE(env, breakers.IsArray(), "drySequenceBreakers must be an array of Int32Array");
        Napi::Array list = breakers.As<Napi::Array>();
        for (uint32_t i = 0; i < list.Length(); i++) {
            Napi::Int32Array tokens = int32_array(env, list.Get(i), "drySequenceBreakers[i]");
            params.dry_breakers.emplace_back(tokens.Data(), tokens.Data() + tokens.ElementLength());
        }
    }
    Napi::Value bias_ids = opts.Get("logitBiasIds"), bias_values = opts.Get("logitBiasValues");
    if (!bias_ids.IsUndefined()) {
        Napi::Int32Array ids = int32_array(env, bias_ids, "logitBiasIds");
        FATHOM_REQUIRE(env, bias_values.IsTypedArray() && bias_values.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array &&
                                bias_values.As<Napi::Float32Array>().ElementLength() == ids.ElementLength(),
                       "logitBiasValues must be a Float32Array as long as logitBiasIds");
        Napi::Float32Array values = bias_values.As<Napi::Float32Array>();
        for (size_t i = 0; i < ids.ElementLength(); i++) params.logit_bias.emplace_back(ids[i], values[i]);
    }
    guard(env, [&]() -> Napi::Value {
        sampler_ = std::make_shared<fathom::Sampler>(params);
        return env.Undefined();
    });
}

}  // namespace fathom_binding
