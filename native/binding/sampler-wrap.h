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
    std::shared_ptr<fathom::Sampler> sampler_;
};

}  // namespace fathom_binding
