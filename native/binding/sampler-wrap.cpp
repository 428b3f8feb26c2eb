// See sampler-wrap.h. Options are validated by the engine; TS gives friendlier messages first.
#include "sampler-wrap.h"

#include "addon-data.h"
#include "args.h"
#include "errors.h"
#include "grammar-wrap.h"

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
    // grammar: a NativeGrammar; grammarTriggerWords / grammarTriggerTokens make it lazy.
    std::unique_ptr<fathom::GrammarMatcher> matcher;
    Napi::Value grammar = opts.Get("grammar");
    if (!grammar.IsUndefined() && !grammar.IsNull()) {
        FATHOM_REQUIRE(env, grammar.IsObject() && grammar.As<Napi::Object>().InstanceOf(addon_data(env).grammar_class.Value()),
                       "grammar must be a NativeGrammar");
        fathom::GrammarTriggers triggers;
        Napi::Value words = opts.Get("grammarTriggerWords");
        if (!words.IsUndefined()) {
            FATHOM_REQUIRE(env, words.IsArray(), "grammarTriggerWords must be an array of non-empty strings");
            Napi::Array list = words.As<Napi::Array>();
            for (uint32_t i = 0; i < list.Length(); i++) {
                Napi::Value word = list.Get(i);
                FATHOM_REQUIRE(env, word.IsString() && !word.As<Napi::String>().Utf8Value().empty(),
                               "grammarTriggerWords must be an array of non-empty strings");
                triggers.words.push_back(word.As<Napi::String>().Utf8Value());
            }
        }
        Napi::Value tokens = opts.Get("grammarTriggerTokens");
        if (!tokens.IsUndefined()) triggers.tokens = read_tokens(env, tokens, "grammarTriggerTokens");
        std::shared_ptr<fathom::CompiledGrammar> compiled = GrammarWrap::Unwrap(grammar.As<Napi::Object>())->grammar();
        matcher = guard(env, [&] { return std::make_unique<fathom::GrammarMatcher>(compiled, std::move(triggers)); });
    }
    sampler_ = guard(env, [&] { return std::make_shared<fathom::Sampler>(params, std::move(matcher)); });
}

}  // namespace fathom_binding
