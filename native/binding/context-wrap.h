// JS class NativeContext: a fathom::Context (KV cache + compute) driven one
// step at a time. Each evaluate() runs decode and sampling on a worker thread.
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
    // evaluate(tokens: Int32Array, sampler: NativeSampler | null, topK?: number):
    //   Promise<number> — the sampled id, or -1 without a sampler; with topK > 0,
    //   Promise<{ token, ids: Int32Array, logprobs: Float32Array }> with the topK most likely next tokens.
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
