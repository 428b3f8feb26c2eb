// JS class NativeContext: a fathom::Context (KV cache + compute) driven one
// batch at a time. Each evaluate() decodes every sequence of the batch in one
// pass and samples each one's next token, on a worker thread.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "context.h"
#include "promise-worker.h"

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
    // score(sequence, tokens: Int32Array, topK?, control?): from an emptied sequence, every row's logits -> { logprobs: Float32Array [n-1]
    //   (log P(tokens[i+1] | tokens[..i])), topIds: Int32Array, topLogprobs: Float32Array [(n-1) * topK] }.
    Napi::Value score(const Napi::CallbackInfo & info);
    // inspect(sequence, tokens, { hidden: layers[], attention: layers[], logits: boolean, embeddings: boolean },
    //   control?): evaluates from an emptied sequence in one graph -> { hidden: Float32Array[] ([n, n_embd]),
    //   attention: Float32Array[] ([n_head, n, n]), logits?: [n, n_vocab], embeddings?: [n, n_embd] }.
    Napi::Value inspect(const Napi::CallbackInfo & info);
    // logitLens(hidden: Float32Array [rows * n_embd], rows): final norm + output head -> Float32Array [rows * n_vocab].
    Napi::Value logit_lens(const Napi::CallbackInfo & info);
    Napi::Value abort(const Napi::CallbackInfo & info);
    Napi::Value truncate(const Napi::CallbackInfo & info);
    Napi::Value state(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);
    std::shared_ptr<fathom::Context> context(Napi::Env env) const;
    // Runs work(abort flag) on a worker with the context marked busy until it ends, then settles a promise.
    template <typename Result, typename Work, typename Resolve>
    Napi::Value run_exclusive(Napi::Env env, const char * name, Work work, Resolve resolve) {
        abort_->store(false);
        busy_->store(true);
        auto abort = abort_;
        auto busy = busy_;
        return PromiseWorker<Result>::run(
            env, name,
            [work = std::move(work), abort, busy]() {
                struct Release {
                    std::shared_ptr<std::atomic<bool>> flag;
                    ~Release() { flag->store(false); }
                } release{busy};
                return work(abort.get());
            },
            std::move(resolve));
    }

    std::shared_ptr<fathom::Context> context_;
    // Shared with the running worker so that abort() reaches it and dispose() cannot free it early.
    std::shared_ptr<std::atomic<bool>> abort_ = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::atomic<bool>> busy_ = std::make_shared<std::atomic<bool>>(false);
};

}  // namespace fathom_binding
