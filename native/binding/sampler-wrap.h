// JS class NativeSampler: the sampling settings and RNG state of one generation.
#pragma once

#include <napi.h>

#include <memory>

#include "sampler.h"

namespace fathom_binding {

class SamplerWrap : public Napi::ObjectWrap<SamplerWrap> {
public:
    static Napi::Function define(Napi::Env env);
    // new NativeSampler({ temperature, topK, topP, minP, typicalP, penalties, dry*, xtc*, logitBias*, seed })
    explicit SamplerWrap(const Napi::CallbackInfo & info);
    std::shared_ptr<fathom::Sampler> sampler() const { return sampler_; }

private:
    // accept(tokens: Int32Array): adds tokens to the penalty/DRY history; BUSY while an evaluation uses it.
    Napi::Value accept(const Napi::CallbackInfo & info);

    std::shared_ptr<fathom::Sampler> sampler_;
};

}  // namespace fathom_binding
