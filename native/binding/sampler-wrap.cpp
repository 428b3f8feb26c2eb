// See sampler-wrap.h. Options are validated by the engine; TS gives friendlier messages first.
#include "sampler-wrap.h"

#include "args.h"
#include "errors.h"

namespace fathom_binding {

Napi::Function SamplerWrap::define(Napi::Env env) { return DefineClass(env, "NativeSampler", {}); }

SamplerWrap::SamplerWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<SamplerWrap>(info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsObject(), "NativeSampler(options: object)");
    Napi::Object opts = info[0].As<Napi::Object>();
    // Absent options take the engine's defaults.
    const auto number = [&](const char * key, double fallback) {
        Napi::Value v = opts.Get(key);
        return v.IsUndefined() ? fallback : read_number(env, v, key);
    };
    const auto integer = [&](const char * key, double fallback, double max) {
        Napi::Value v = opts.Get(key);
        return v.IsUndefined() ? fallback : read_integer(env, v, key, max);
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
            Napi::Int32Array tokens = read_int32_array(env, list.Get(i), "drySequenceBreakers[i]");
            params.dry_breakers.emplace_back(tokens.Data(), tokens.Data() + tokens.ElementLength());
        }
    }
    Napi::Value bias_ids = opts.Get("logitBiasIds"), bias_values = opts.Get("logitBiasValues");
    if (!bias_ids.IsUndefined()) {
        Napi::Int32Array ids = read_int32_array(env, bias_ids, "logitBiasIds");
        Napi::Float32Array values = read_float32_array(env, bias_values, "logitBiasValues");
        FATHOM_REQUIRE(env, values.ElementLength() == ids.ElementLength(), "logitBiasValues must be as long as logitBiasIds");
        for (size_t i = 0; i < ids.ElementLength(); i++) params.logit_bias.emplace_back(ids[i], values[i]);
    }
    sampler_ = guard(env, [&] { return std::make_shared<fathom::Sampler>(params); });
}

}  // namespace fathom_binding
