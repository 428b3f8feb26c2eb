// See context-wrap.h.
#include "context-wrap.h"

#include "addon-data.h"
#include "args.h"
#include "errors.h"
#include "evaluate.h"
#include "promise-worker.h"
#include "sampler-wrap.h"

namespace fathom_binding {

Napi::Function ContextWrap::define(Napi::Env env) {
    return DefineClass(env, "NativeContext",
                       {
                           InstanceMethod<&ContextWrap::evaluate>("evaluate"),
                           InstanceMethod<&ContextWrap::score>("score"),
                           InstanceMethod<&ContextWrap::inspect>("inspect"),
                           InstanceMethod<&ContextWrap::logit_lens>("logitLens"),
                           InstanceMethod<&ContextWrap::abort>("abort"),
                           InstanceMethod<&ContextWrap::truncate>("truncate"),
                           InstanceMethod<&ContextWrap::state>("state"),
                           InstanceMethod<&ContextWrap::dispose>("dispose"),
                       });
}

ContextWrap::ContextWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<ContextWrap>(info) {
    FATHOM_REQUIRE(info.Env(), info.Length() == 1 && info[0].IsExternal(), "NativeContext cannot be constructed directly; use createContext()");
    context_ = *info[0].As<Napi::External<std::shared_ptr<fathom::Context>>>().Data();
}

std::shared_ptr<fathom::Context> ContextWrap::context(Napi::Env env) const {
    if (!context_) throw make_error(env, fathom::codes::DISPOSED, "the context has been disposed");
    if (busy_->load()) throw make_error(env, fathom::codes::BUSY, "the context is already evaluating; await the previous call first");
    return context_;
}

Napi::Value ContextWrap::evaluate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsArray(), "evaluate(batch: { sequence, tokens, sampler?, topK? }[])");
    Napi::Array items = info[0].As<Napi::Array>();
    std::vector<fathom::SequenceInput> batch;
    std::vector<fathom::StepRequest> requests;
    for (uint32_t i = 0; i < items.Length(); i++) {
        Napi::Value item = items.Get(i);
        FATHOM_REQUIRE(env, item.IsObject(), "each batch entry must be an object");
        Napi::Object entry = item.As<Napi::Object>();
        fathom::SequenceInput in;
        in.seq = read_uint32(env, entry.Get("sequence"), "sequence");
        in.tokens = read_tokens(env, entry.Get("tokens"));
        batch.push_back(std::move(in));
        fathom::StepRequest request;
        Napi::Value sampler = entry.Get("sampler");
        if (!sampler.IsNull() && !sampler.IsUndefined()) {
            FATHOM_REQUIRE(env, sampler.IsObject() && sampler.As<Napi::Object>().InstanceOf(addon_data(env).sampler_class.Value()),
                           "sampler must be a NativeSampler or absent");
            request.sampler = SamplerWrap::Unwrap(sampler.As<Napi::Object>())->sampler();
        }
        request.top_k = read_top_k(env, entry.Get("topK"));
        Napi::Value accept = entry.Get("accept");
        if (!accept.IsUndefined()) request.accept = read_tokens(env, accept, "accept");
        requests.push_back(std::move(request));
    }
    auto control = read_control(env, info[1]);
    // A sampler's state belongs to one generation: it may be in one entry of one running evaluation only.
    std::vector<std::shared_ptr<fathom::Sampler>> acquired;
    for (const fathom::StepRequest & request : requests) {
        if (!request.sampler) continue;
        if (!request.sampler->try_acquire()) {
            for (auto & s : acquired) s->release();
            throw make_error(env, fathom::codes::BUSY, "a sampler is already in use by another batch entry or a running evaluation");
        }
        acquired.push_back(request.sampler);
    }
    return run_exclusive<std::vector<fathom::StepResult>>(
        env, "fathom.evaluate",
        [ctx, batch = std::move(batch), requests = std::move(requests), control, acquired](const std::atomic<bool> * abort) {
            struct Release {
                const std::vector<std::shared_ptr<fathom::Sampler>> & samplers;
                ~Release() {
                    for (auto & s : samplers) s->release();
                }
            } release{acquired};
            return fathom::decode_and_sample(*ctx, batch, requests, abort, control.get());
        },
        [](Napi::Env env, std::vector<fathom::StepResult> & results) -> Napi::Value {
            Napi::Array out = Napi::Array::New(env, results.size());
            for (size_t i = 0; i < results.size(); i++) {
                const fathom::StepResult & step = results[i];
                Napi::Object o = Napi::Object::New(env);
                o.Set("token", Napi::Number::New(env, step.token));
                o.Set("logprob", Napi::Number::New(env, step.logprob));
                if (!step.top.ids.empty()) {
                    o.Set("ids", to_int32_array(env, step.top.ids));
                    o.Set("logprobs", to_float32_array(env, step.top.logprobs));
                }
                out.Set(static_cast<uint32_t>(i), o);
            }
            return out;
        });
}

Napi::Value ContextWrap::score(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 2, "score(sequence, tokens: Int32Array, topK?, control?)");
    const uint32_t seq = read_uint32(env, info[0], "sequence");
    std::vector<fathom::Token> tokens = read_tokens(env, info[1]);
    FATHOM_REQUIRE(env, tokens.size() >= 2, "scoring needs at least 2 tokens");
    const size_t top_k = read_top_k(env, info[2]);
    auto control = read_control(env, info[3]);
    return run_exclusive<fathom::Scores>(
        env, "fathom.score",
        [ctx, seq, tokens = std::move(tokens), top_k, control](const std::atomic<bool> * abort) {
            return fathom::score_tokens(*ctx, seq, tokens, top_k, abort, control.get());
        },
        [](Napi::Env env, fathom::Scores & scores) -> Napi::Value {
            Napi::Object out = Napi::Object::New(env);
            out.Set("logprobs", to_float32_array(env, scores.logprobs));
            out.Set("topIds", to_int32_array(env, scores.top_ids));
            out.Set("topLogprobs", to_float32_array(env, scores.top_logprobs));
            return out;
        });
}

Napi::Value ContextWrap::inspect(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 3 && info[2].IsObject(), "inspect(sequence, tokens: Int32Array, { hidden, attention, logits }, control?)");
    const uint32_t seq = read_uint32(env, info[0], "sequence");
    std::vector<fathom::Token> tokens = read_tokens(env, info[1]);
    Napi::Object opts = info[2].As<Napi::Object>();
    const bool want_logits = opts.Get("logits").ToBoolean();
    fathom::Capture capture{read_uint32_list(env, opts.Get("hidden"), "hidden"), read_uint32_list(env, opts.Get("attention"), "attention"),
                            opts.Get("embeddings").ToBoolean(), want_logits};
    auto control = read_control(env, info[3]);
    struct Inspected {
        fathom::Captured captured;
        std::vector<float> logits;
    };
    return run_exclusive<Inspected>(
        env, "fathom.inspect",
        [ctx, seq, tokens = std::move(tokens), capture, want_logits, control](const std::atomic<bool> * abort) {
            Inspected out;
            const fathom::BatchLogits & logits = ctx->inspect(seq, tokens, capture, out.captured, abort, control.get());
            if (want_logits) out.logits = logits.data;
            return out;
        },
        [](Napi::Env env, Inspected & inspected) -> Napi::Value {
            Napi::Object out = Napi::Object::New(env);
            const auto arrays = [&](const std::vector<std::vector<float>> & list) {
                Napi::Array a = Napi::Array::New(env, list.size());
                for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), to_float32_array(env, list[i]));
                return a;
            };
            out.Set("hidden", arrays(inspected.captured.hidden));
            out.Set("attention", arrays(inspected.captured.attention));
            if (!inspected.logits.empty()) out.Set("logits", to_float32_array(env, inspected.logits));
            if (!inspected.captured.embeddings.empty()) out.Set("embeddings", to_float32_array(env, inspected.captured.embeddings));
            return out;
        });
}

Napi::Value ContextWrap::logit_lens(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 2, "logitLens(hidden: Float32Array, rows: number)");
    Napi::Float32Array hidden = read_float32_array(env, info[0], "hidden");
    std::vector<float> values(hidden.Data(), hidden.Data() + hidden.ElementLength());
    const uint32_t rows = read_uint32(env, info[1], "rows");
    return run_exclusive<std::vector<float>>(
        env, "fathom.logitLens", [ctx, values = std::move(values), rows](const std::atomic<bool> *) { return ctx->logit_lens(values, rows); },
        [](Napi::Env env, std::vector<float> & logits) -> Napi::Value { return to_float32_array(env, logits); });
}

Napi::Value ContextWrap::abort(const Napi::CallbackInfo & info) {
    abort_->store(true);
    return info.Env().Undefined();
}

Napi::Value ContextWrap::truncate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 2, "truncate(sequence, n)");
    const uint32_t seq = read_uint32(env, info[0], "sequence");
    const uint32_t n = read_uint32(env, info[1], "n");
    return guard(env, [&]() -> Napi::Value {
        ctx->truncate(seq, n);
        return env.Undefined();
    });
}

Napi::Value ContextWrap::state(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!context_) throw make_error(env, fathom::codes::DISPOSED, "the context has been disposed");
    Napi::Object out = Napi::Object::New(env);
    Napi::Array used = Napi::Array::New(env, context_->n_seq());
    for (uint32_t s = 0; s < context_->n_seq(); s++) used.Set(s, Napi::Number::New(env, context_->n_past(s)));
    out.Set("used", used);
    out.Set("contextSize", Napi::Number::New(env, context_->n_ctx()));
    out.Set("sequences", Napi::Number::New(env, context_->n_seq()));
    out.Set("busy", Napi::Boolean::New(env, busy_->load()));
    return out;
}

Napi::Value ContextWrap::dispose(const Napi::CallbackInfo & info) {
    // A running evaluate holds its own reference: memory goes when it finishes.
    abort_->store(true);
    context_.reset();
    return info.Env().Undefined();
}

}  // namespace fathom_binding
