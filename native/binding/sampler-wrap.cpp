// See sampler-wrap.h. Options are validated by the engine; TS gives friendlier messages first.
#include "sampler-wrap.h"

#include <cmath>

#include "errors.h"
#include "sync-guard.h"

namespace fathom_binding {

Napi::Function SamplerWrap::define(Napi::Env env) { return DefineClass(env, "NativeSampler", {}); }

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
    fathom::SamplerParams params;
    params.temperature = static_cast<float>(number("temperature", 0));
    const double top_k = number("topK", 0);
    FATHOM_REQUIRE(env, top_k >= 0 && top_k <= 2147483647 && std::floor(top_k) == top_k, "topK must be a non-negative integer");
    params.top_k = static_cast<int32_t>(top_k);
    params.top_p = static_cast<float>(number("topP", 1));
    params.min_p = static_cast<float>(number("minP", 0));
    const double seed = number("seed", 0);
    FATHOM_REQUIRE(env, seed >= 0 && seed <= 9007199254740991.0 && std::floor(seed) == seed, "seed must be a non-negative integer");
    params.seed = static_cast<uint64_t>(seed);
    guard(env, [&]() -> Napi::Value {
        sampler_ = std::make_shared<fathom::Sampler>(params);
        return env.Undefined();
    });
}

}  // namespace fathom_binding
