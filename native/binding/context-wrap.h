// JS class NativeContext: a fathom::Context (KV cache + compute) driven one
// batch at a time. Each evaluate() decodes every sequence of the batch in one
// pass and samples each one's next token, on a worker thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "context.h"

namespace fathom_binding {

class ContextWrap : public Napi::ObjectWrap<ContextWrap> {
public:
    static Napi::Function define(Napi::Env env);
    explicit ContextWrap(const Napi::CallbackInfo & info);

private:
    // evaluate(batch: { sequence, tokens: Int32Array, sampler?: NativeSampler, topK?: number }[]):
    //   Promise<{ token, logprob, ids?: Int32Array, logprobs?: Float32Array }[]> — per input, the sampled
    //   next token (-1 without a sampler), its log-probability, and with topK > 0 the topK most likely.
    Napi::Value evaluate(const Napi::CallbackInfo & info);
    Napi::Value abort(const Napi::CallbackInfo & info);
    Napi::Value truncate(const Napi::CallbackInfo & info);
    Napi::Value state(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);
    std::shared_ptr<fathom::Context> context(Napi::Env env) const;

    std::shared_ptr<fathom::Context> context_;
    // Shared with the running worker so that abort() reaches it and dispose() cannot free it early.
    std::shared_ptr<std::atomic<bool>> abort_ = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::atomic<bool>> busy_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace fathom_binding
