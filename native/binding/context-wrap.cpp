// See context-wrap.h.
#include "context-wrap.h"

#include "addon-data.h"
#include "errors.h"
#include "promise-worker.h"
#include "sampler-wrap.h"
#include "sampler.h"

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

Napi::Value ContextWrap::evaluate(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 2, "evaluate(tokens: Int32Array, sampler: NativeSampler | null)");
    FATHOM_REQUIRE(env, info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_int32_array, "tokens must be an Int32Array");
    Napi::Int32Array array = info[0].As<Napi::Int32Array>();
    std::vector<fathom::Token> tokens(array.Data(), array.Data() + array.ElementLength());
    std::shared_ptr<fathom::Sampler> sampler;
    if (!info[1].IsNull() && !info[1].IsUndefined()) {
        FATHOM_REQUIRE(env, info[1].IsObject() && info[1].As<Napi::Object>().InstanceOf(addon_data(env).sampler_class.Value()),
                       "sampler must be a NativeSampler or null");
        sampler = SamplerWrap::Unwrap(info[1].As<Napi::Object>())->sampler();
    }
    size_t top_k = 0;
    if (info.Length() >= 3 && !info[2].IsUndefined()) {
        FATHOM_REQUIRE(env, info[2].IsNumber() && info[2].As<Napi::Number>().DoubleValue() >= 0, "topK must be a non-negative number");
        top_k = static_cast<size_t>(std::min(info[2].As<Napi::Number>().DoubleValue(), 1e9));
    }
    abort_->store(false);
    busy_->store(true);
    auto abort = abort_;
    auto busy = busy_;
    struct Step {
        fathom::Token token = fathom::NO_TOKEN;
        fathom::TopTokens top;
    };
    return PromiseWorker<Step>::run(
        env, "fathom.evaluate",
        [ctx, tokens = std::move(tokens), sampler, abort, busy, top_k]() {
            struct Release {
                std::shared_ptr<std::atomic<bool>> flag;
                ~Release() { flag->store(false); }
            } release{busy};
            const std::vector<float> & logits = ctx->decode(tokens, abort.get());
            Step step;
            step.top = fathom::top_logprobs(logits, top_k);
            step.token = sampler ? sampler->sample(logits) : fathom::NO_TOKEN;
            return step;
        },
        [top_k](Napi::Env env, Step & step) -> Napi::Value {
            if (top_k == 0) return Napi::Number::New(env, step.token);
            Napi::Object out = Napi::Object::New(env);
            out.Set("token", Napi::Number::New(env, step.token));
            Napi::Int32Array ids = Napi::Int32Array::New(env, step.top.ids.size());
            Napi::Float32Array logprobs = Napi::Float32Array::New(env, step.top.logprobs.size());
            std::copy(step.top.ids.begin(), step.top.ids.end(), ids.Data());
            std::copy(step.top.logprobs.begin(), step.top.logprobs.end(), logprobs.Data());
            out.Set("ids", ids);
            out.Set("logprobs", logprobs);
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
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsNumber() && info[0].As<Napi::Number>().DoubleValue() >= 0, "truncate(n: number >= 0)");
    ctx->truncate(static_cast<uint32_t>(std::min(info[0].As<Napi::Number>().DoubleValue(), 4294967295.0)));
    return env.Undefined();
}

Napi::Value ContextWrap::state(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    if (!context_) throw make_error(env, "DISPOSED", "the context has been disposed");
    Napi::Object out = Napi::Object::New(env);
    out.Set("nPast", Napi::Number::New(env, context_->n_past()));
    out.Set("contextSize", Napi::Number::New(env, context_->n_ctx()));
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
