// See context-wrap.h.
#include "context-wrap.h"

#include "addon-data.h"
#include "errors.h"
#include "promise-worker.h"
#include "sampler-wrap.h"
#include "sampler.h"
#include "sync-guard.h"

namespace fathom_binding {

Napi::Function ContextWrap::define(Napi::Env env) {
    return DefineClass(env, "NativeContext",
                       {
                           InstanceMethod<&ContextWrap::evaluate>("evaluate"),
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
    if (!context_) throw make_error(env, "DISPOSED", "the context has been disposed");
    if (busy_->load()) throw make_error(env, "BUSY", "the context is already evaluating; await the previous call first");
    return context_;
}

namespace {

// One input of a batch as the worker needs it.
struct Request {
    std::shared_ptr<fathom::Sampler> sampler;
    size_t top_k = 0;
};

// What one input's step produced.
struct StepResult {
    fathom::Token token = fathom::NO_TOKEN;
    float logprob = 0.0f;
    fathom::TopTokens top;
};

size_t read_top_k(Napi::Env env, Napi::Value v) {
    if (v.IsUndefined()) return 0;
    FATHOM_REQUIRE(env, v.IsNumber() && v.As<Napi::Number>().DoubleValue() >= 0, "topK must be a non-negative number");
    return static_cast<size_t>(std::min(v.As<Napi::Number>().DoubleValue(), 1e9));
}

}  // namespace

Napi::Value ContextWrap::evaluate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsArray(), "evaluate(batch: { sequence, tokens, sampler?, topK? }[])");
    Napi::Array items = info[0].As<Napi::Array>();
    std::vector<fathom::SequenceInput> batch;
    std::vector<Request> requests;
    for (uint32_t i = 0; i < items.Length(); i++) {
        Napi::Value item = items.Get(i);
        FATHOM_REQUIRE(env, item.IsObject(), "each batch entry must be an object");
        Napi::Object entry = item.As<Napi::Object>();
        Napi::Value seq = entry.Get("sequence"), tokens = entry.Get("tokens"), sampler = entry.Get("sampler");
        FATHOM_REQUIRE(env, seq.IsNumber() && seq.As<Napi::Number>().DoubleValue() >= 0 && seq.As<Napi::Number>().DoubleValue() < 4294967296.0,
                       "sequence must be a non-negative integer");
        FATHOM_REQUIRE(env, tokens.IsTypedArray() && tokens.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array, "tokens must be an Int32Array");
        Napi::Int32Array array = tokens.As<Napi::Int32Array>();
        fathom::SequenceInput in;
        in.seq = seq.As<Napi::Number>().Uint32Value();
        in.tokens.assign(array.Data(), array.Data() + array.ElementLength());
        batch.push_back(std::move(in));
        Request request;
        if (!sampler.IsNull() && !sampler.IsUndefined()) {
            FATHOM_REQUIRE(env, sampler.IsObject() && sampler.As<Napi::Object>().InstanceOf(addon_data(env).sampler_class.Value()),
                           "sampler must be a NativeSampler or absent");
            request.sampler = SamplerWrap::Unwrap(sampler.As<Napi::Object>())->sampler();
        }
        request.top_k = read_top_k(env, entry.Get("topK"));
        requests.push_back(std::move(request));
    }
    abort_->store(false);
    busy_->store(true);
    auto abort = abort_;
    auto busy = busy_;
    return PromiseWorker<std::vector<StepResult>>::run(
        env, "fathom.evaluate",
        [ctx, batch = std::move(batch), requests = std::move(requests), abort, busy]() {
            struct Release {
                std::shared_ptr<std::atomic<bool>> flag;
                ~Release() { flag->store(false); }
            } release{busy};
            const fathom::BatchLogits & logits = ctx->decode(batch, abort.get());
            std::vector<StepResult> results(batch.size());
            for (size_t i = 0; i < batch.size(); i++) {
                const float * row = logits.row(logits.first_row[i]);
                const Request & request = requests[i];
                if (request.sampler) results[i].token = request.sampler->sample(row, logits.n_vocab);
                const fathom::TokenLogprobs lp = fathom::token_logprobs(row, logits.n_vocab, request.top_k, results[i].token);
                results[i].logprob = lp.chosen;
                results[i].top = lp.top;
            }
            return results;
        },
        [](Napi::Env env, std::vector<StepResult> & results) -> Napi::Value {
            Napi::Array out = Napi::Array::New(env, results.size());
            for (size_t i = 0; i < results.size(); i++) {
                const StepResult & step = results[i];
                Napi::Object o = Napi::Object::New(env);
                o.Set("token", Napi::Number::New(env, step.token));
                o.Set("logprob", Napi::Number::New(env, step.logprob));
                if (!step.top.ids.empty()) {
                    Napi::Int32Array ids = Napi::Int32Array::New(env, step.top.ids.size());
                    Napi::Float32Array logprobs = Napi::Float32Array::New(env, step.top.logprobs.size());
                    std::copy(step.top.ids.begin(), step.top.ids.end(), ids.Data());
                    std::copy(step.top.logprobs.begin(), step.top.logprobs.end(), logprobs.Data());
                    o.Set("ids", ids);
                    o.Set("logprobs", logprobs);
                }
                out.Set(static_cast<uint32_t>(i), o);
            }
            return out;
        });
}

Napi::Value ContextWrap::abort(const Napi::CallbackInfo & info) {
    abort_->store(true);
    return info.Env().Undefined();
}

Napi::Value ContextWrap::truncate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 2 && info[0].IsNumber() && info[1].IsNumber() && info[0].As<Napi::Number>().DoubleValue() >= 0 &&
                            info[1].As<Napi::Number>().DoubleValue() >= 0,
                   "truncate(sequence: number >= 0, n: number >= 0)");
    const double seq = std::min(info[0].As<Napi::Number>().DoubleValue(), 4294967295.0);
    const double n = std::min(info[1].As<Napi::Number>().DoubleValue(), 4294967295.0);
    return guard(env, [&]() -> Napi::Value {
        ctx->truncate(static_cast<uint32_t>(seq), static_cast<uint32_t>(n));
        return env.Undefined();
    });
}

Napi::Value ContextWrap::state(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!context_) throw make_error(env, "DISPOSED", "the context has been disposed");
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
