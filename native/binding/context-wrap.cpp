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
    if (!context_) throw make_error(env, "DISPOSED", "the context has been disposed");
    if (busy_->load()) throw make_error(env, "BUSY", "the context is already evaluating; await the previous call first");
    return context_;
}

namespace {

// One input of a batch as the worker needs it.
struct Request {
    std::shared_ptr<fathom::Sampler> sampler;
    size_t top_k = 0;
    std::vector<fathom::Token> accept;  // added to the sampler's history before it samples
};

// What one input's step produced.
struct StepResult {
    fathom::Token token = fathom::NO_TOKEN;
    float logprob = 0.0f;
    fathom::TopTokens top;
};

std::vector<fathom::Token> read_tokens(Napi::Env env, Napi::Value v) {
    FATHOM_REQUIRE(env, v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array, "tokens must be an Int32Array");
    Napi::Int32Array array = v.As<Napi::Int32Array>();
    return std::vector<fathom::Token>(array.Data(), array.Data() + array.ElementLength());
}

uint32_t read_index(Napi::Env env, Napi::Value v, const char * what) {
    FATHOM_REQUIRE(env, v.IsNumber() && v.As<Napi::Number>().DoubleValue() >= 0 && v.As<Napi::Number>().DoubleValue() < 4294967296.0,
                   std::string(what) + " must be a non-negative integer");
    return v.As<Napi::Number>().Uint32Value();
}

// { data: Float32Array [n_layer * n_embd], firstLayer, lastLayer } or undefined.
std::shared_ptr<fathom::ControlVector> read_control(Napi::Env env, Napi::Value v) {
    if (v.IsUndefined() || v.IsNull()) return nullptr;
    FATHOM_REQUIRE(env, v.IsObject(), "control must be { data: Float32Array, firstLayer, lastLayer }");
    Napi::Object o = v.As<Napi::Object>();
    Napi::Value data = o.Get("data");
    FATHOM_REQUIRE(env, data.IsTypedArray() && data.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array, "control.data must be a Float32Array");
    Napi::Float32Array values = data.As<Napi::Float32Array>();
    auto control = std::make_shared<fathom::ControlVector>();
    control->data.assign(values.Data(), values.Data() + values.ElementLength());
    control->first_layer = read_index(env, o.Get("firstLayer"), "control.firstLayer");
    control->last_layer = read_index(env, o.Get("lastLayer"), "control.lastLayer");
    return control;
}

std::vector<uint32_t> read_layers(Napi::Env env, Napi::Value v, const char * what) {
    std::vector<uint32_t> layers;
    if (v.IsUndefined()) return layers;
    FATHOM_REQUIRE(env, v.IsArray(), std::string(what) + " must be an array of layer indices");
    Napi::Array list = v.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) layers.push_back(read_index(env, list.Get(i), what));
    return layers;
}

Napi::Float32Array float_array(Napi::Env env, const std::vector<float> & values) {
    Napi::Float32Array out = Napi::Float32Array::New(env, values.size());
    std::copy(values.begin(), values.end(), out.Data());
    return out;
}

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
        fathom::SequenceInput in;
        in.seq = seq.As<Napi::Number>().Uint32Value();
        in.tokens = read_tokens(env, tokens);
        batch.push_back(std::move(in));
        Request request;
        if (!sampler.IsNull() && !sampler.IsUndefined()) {
            FATHOM_REQUIRE(env, sampler.IsObject() && sampler.As<Napi::Object>().InstanceOf(addon_data(env).sampler_class.Value()),
                           "sampler must be a NativeSampler or absent");
            request.sampler = SamplerWrap::Unwrap(sampler.As<Napi::Object>())->sampler();
        }
        request.top_k = read_top_k(env, entry.Get("topK"));
        Napi::Value accept = entry.Get("accept");
        if (!accept.IsUndefined()) request.accept = read_tokens(env, accept);
        requests.push_back(std::move(request));
    }
    auto control = read_control(env, info[1]);
    // A sampler's state belongs to one generation: it may be in one entry of one running evaluation only.
    std::vector<std::shared_ptr<fathom::Sampler>> acquired;
    for (const Request & request : requests) {
        if (!request.sampler) continue;
        if (!request.sampler->try_acquire()) {
            for (auto & s : acquired) s->release();
            throw make_error(env, "BUSY", "a sampler is already in use by another batch entry or a running evaluation");
        }
        acquired.push_back(request.sampler);
    }
    return run_exclusive<std::vector<StepResult>>(
        env, "fathom.evaluate",
        [ctx, batch = std::move(batch), requests = std::move(requests), control, acquired](const std::atomic<bool> * abort) {
            struct Release {
                const std::vector<std::shared_ptr<fathom::Sampler>> & samplers;
                ~Release() {
                    for (auto & s : samplers) s->release();
                }
            } release{acquired};
            const fathom::BatchLogits & logits = ctx->decode(batch, abort, control.get());
            std::vector<StepResult> results(batch.size());
            for (size_t i = 0; i < batch.size(); i++) {
                const float * row = logits.row(logits.first_row[i]);
                const Request & request = requests[i];
                if (request.sampler) {
                    for (fathom::Token t : request.accept) request.sampler->accept(t);
                    results[i].token = request.sampler->sample(row, logits.n_vocab);
                }
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

Napi::Value ContextWrap::score(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 2, "score(sequence, tokens: Int32Array, topK?, control?)");
    fathom::SequenceInput in{read_index(env, info[0], "sequence"), read_tokens(env, info[1]), /*all_logits=*/true};
    FATHOM_REQUIRE(env, in.tokens.size() >= 2, "scoring needs at least 2 tokens");
    const size_t top_k = read_top_k(env, info[2]);
    auto control = read_control(env, info[3]);
    struct Scores {
        std::vector<float> logprobs;     // [n - 1]: log P(tokens[i + 1] | tokens[0..i])
        std::vector<int32_t> top_ids;    // [(n - 1) * top_k]
        std::vector<float> top_logprobs; // [(n - 1) * top_k]
    };
    return run_exclusive<Scores>(
        env, "fathom.score",
        [ctx, in, top_k, control](const std::atomic<bool> * abort) {
            ctx->truncate(in.seq, 0);  // every position needs its logits: nothing cached is reused
            // A failure after the first batch must not leave that batch's tokens behind.
            struct EmptyOnFailure {
                fathom::Context & ctx;
                uint32_t seq;
                bool done = false;
                ~EmptyOnFailure() {
                    if (!done) ctx.truncate(seq, 0);
                }
            } guard{*ctx, in.seq};
            Scores scores;
            // A batch at a time, so all-row logits never need more than n_batch rows of memory.
            const size_t n = in.tokens.size(), step = ctx->n_batch();
            for (size_t offset = 0; offset + 1 < n; offset += step) {
                fathom::SequenceInput chunk{in.seq, std::vector<fathom::Token>(in.tokens.begin() + offset, in.tokens.begin() + std::min(n - 1, offset + step)), true};
                const fathom::BatchLogits & logits = ctx->decode({chunk}, abort, control.get());
                for (size_t r = 0; r < chunk.tokens.size(); r++) {
                    const fathom::TokenLogprobs lp = fathom::token_logprobs(logits.row(r), logits.n_vocab, top_k, in.tokens[offset + r + 1]);
                    scores.logprobs.push_back(lp.chosen);
                    scores.top_ids.insert(scores.top_ids.end(), lp.top.ids.begin(), lp.top.ids.end());
                    scores.top_logprobs.insert(scores.top_logprobs.end(), lp.top.logprobs.begin(), lp.top.logprobs.end());
                }
            }
            guard.done = true;
            return scores;
        },
        [](Napi::Env env, Scores & scores) -> Napi::Value {
            Napi::Object out = Napi::Object::New(env);
            out.Set("logprobs", float_array(env, scores.logprobs));
            Napi::Int32Array ids = Napi::Int32Array::New(env, scores.top_ids.size());
            std::copy(scores.top_ids.begin(), scores.top_ids.end(), ids.Data());
            out.Set("topIds", ids);
            out.Set("topLogprobs", float_array(env, scores.top_logprobs));
            return out;
        });
}

Napi::Value ContextWrap::inspect(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 3 && info[2].IsObject(), "inspect(sequence, tokens: Int32Array, { hidden, attention, logits }, control?)");
    const uint32_t seq = read_index(env, info[0], "sequence");
    std::vector<fathom::Token> tokens = read_tokens(env, info[1]);
    Napi::Object opts = info[2].As<Napi::Object>();
    const bool want_logits = opts.Get("logits").ToBoolean();
    fathom::Capture capture{read_layers(env, opts.Get("hidden"), "hidden"), read_layers(env, opts.Get("attention"), "attention"),
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
                for (size_t i = 0; i < list.size(); i++) a.Set(static_cast<uint32_t>(i), float_array(env, list[i]));
                return a;
            };
            out.Set("hidden", arrays(inspected.captured.hidden));
            out.Set("attention", arrays(inspected.captured.attention));
            if (!inspected.logits.empty()) out.Set("logits", float_array(env, inspected.logits));
            if (!inspected.captured.embeddings.empty()) out.Set("embeddings", float_array(env, inspected.captured.embeddings));
            return out;
        });
}

Napi::Value ContextWrap::logit_lens(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto ctx = context(env);
    FATHOM_REQUIRE(env, info.Length() >= 2 && info[0].IsTypedArray() && info[0].As<Napi::TypedArray>().TypedArrayType() == napi_float32_array,
                   "logitLens(hidden: Float32Array, rows: number)");
    Napi::Float32Array hidden = info[0].As<Napi::Float32Array>();
    std::vector<float> values(hidden.Data(), hidden.Data() + hidden.ElementLength());
    const uint32_t rows = read_index(env, info[1], "rows");
    return run_exclusive<std::vector<float>>(
        env, "fathom.logitLens", [ctx, values = std::move(values), rows](const std::atomic<bool> *) { return ctx->logit_lens(values, rows); },
        [](Napi::Env env, std::vector<float> & logits) -> Napi::Value { return float_array(env, logits); });
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
