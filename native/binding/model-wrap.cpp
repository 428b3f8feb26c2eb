// See model-wrap.h.
#include "model-wrap.h"

#include "addon-data.h"
#include "context-wrap.h"
#include "context.h"
#include "promise-worker.h"
#include "sync-guard.h"

namespace fathom_binding {

Napi::Function ModelWrap::define(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {
                           InstanceMethod<&ModelWrap::tokenize>("tokenize"),
                           InstanceMethod<&ModelWrap::detokenize>("detokenize"),
                           InstanceMethod<&ModelWrap::token_piece>("tokenPiece"),
                           InstanceMethod<&ModelWrap::vocab_info>("vocabInfo"),
                           InstanceMethod<&ModelWrap::create_context>("createContext"),
                           InstanceMethod<&ModelWrap::dispose>("dispose"),
                       });
}

ModelWrap::ModelWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<ModelWrap>(info) {
    // Only constructed by load(), which passes the loaded model as an External.
    FATHOM_REQUIRE(info.Env(), info.Length() == 1 && info[0].IsExternal(), "NativeModel cannot be constructed directly; use loadModel()");
    auto * loaded = info[0].As<Napi::External<std::shared_ptr<fathom::Model>>>().Data();
    model_ = *loaded;
}

std::shared_ptr<const fathom::Model> ModelWrap::model(Napi::Env env) const {
    if (!model_) throw make_error(env, "DISPOSED", "the model has been disposed");
    return model_;
}

Napi::Value ModelWrap::load(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsString(), "loadModel: path must be a string");
    const std::string path = info[0].As<Napi::String>();
    fathom::ModelParams params;
    if (info.Length() >= 2 && info[1].IsObject()) {
        Napi::Object opts = info[1].As<Napi::Object>();
        params.vocab_only = opts.Get("vocabOnly").ToBoolean();
    }
    using Loaded = std::shared_ptr<fathom::Model>;
    return PromiseWorker<Loaded>::run(
        env, "fathom.loadModel", [path, params]() { return fathom::Model::load(path, params); },
        [](Napi::Env env, Loaded & loaded) -> Napi::Value {
            return addon_data(env).model_class.New({Napi::External<Loaded>::New(env, &loaded)});
        });
}

Napi::Value ModelWrap::tokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 3 && info[0].IsString(), "tokenize(text: string, addSpecial: boolean, parseSpecial: boolean)");
    auto m = model(env);
    const std::string text = info[0].As<Napi::String>();
    const bool add_special = info[1].ToBoolean(), parse_special = info[2].ToBoolean();
    return guard(env, [&]() -> Napi::Value {
        const std::vector<fathom::Token> tokens = m->vocab().tokenize(text, add_special, parse_special);
        Napi::Int32Array out = Napi::Int32Array::New(env, tokens.size());
        std::copy(tokens.begin(), tokens.end(), out.Data());
        return out;
    });
}

// Reads an Int32Array of token ids; every id is range-checked against the vocabulary.
static std::vector<fathom::Token> read_tokens(Napi::Env env, const Napi::Value & value, const fathom::Vocab & vocab) {
    FATHOM_REQUIRE(env, value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array, "tokens must be an Int32Array");
    Napi::Int32Array array = value.As<Napi::Int32Array>();
    std::vector<fathom::Token> tokens(array.Data(), array.Data() + array.ElementLength());
    for (fathom::Token t : tokens) {
        FATHOM_REQUIRE(env, vocab.valid(t), "token id " + std::to_string(t) + " is out of range (vocabulary has " + std::to_string(vocab.size()) + " tokens)");
    }
    return tokens;
}

Napi::Value ModelWrap::detokenize(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto m = model(env);
    const std::vector<fathom::Token> tokens = read_tokens(env, info[0], m->vocab());
    const bool special = info.Length() > 1 && info[1].ToBoolean();
    const std::string text = m->vocab().detokenize(tokens, special);
    // Bytes, not a string: the TS side decodes UTF-8 (and handles partial characters).
    return Napi::Buffer<char>::Copy(env, text.data(), text.size());
}

Napi::Value ModelWrap::token_piece(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto m = model(env);
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsNumber(), "tokenPiece(id: number, special: boolean)");
    const int64_t id = info[0].As<Napi::Number>().Int64Value();
    FATHOM_REQUIRE(env, id >= 0 && m->vocab().valid(static_cast<fathom::Token>(id)), "token id " + std::to_string(id) + " is out of range");
    const std::string & piece = m->vocab().piece(static_cast<fathom::Token>(id), info.Length() > 1 && info[1].ToBoolean());
    return Napi::Buffer<char>::Copy(env, piece.data(), piece.size());
}

Napi::Value ModelWrap::vocab_info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto m = model(env);
    const fathom::Vocab & v = m->vocab();
    Napi::Object out = Napi::Object::New(env);
    const auto id_or_null = [&](fathom::Token t) -> Napi::Value { return t == fathom::NO_TOKEN ? env.Null() : Napi::Number::New(env, t); };
    out.Set("size", Napi::Number::New(env, static_cast<double>(v.size())));
    out.Set("tokenizerModel", Napi::String::New(env, v.model_name()));
    out.Set("bos", id_or_null(v.special().bos));
    out.Set("eos", id_or_null(v.special().eos));
    out.Set("eot", id_or_null(v.special().eot));
    out.Set("addBos", Napi::Boolean::New(env, v.add_bos()));
    out.Set("addEos", Napi::Boolean::New(env, v.add_eos()));
    Napi::Array eog = Napi::Array::New(env);
    for (fathom::Token t : {v.special().eos, v.special().eot, v.special().eom}) {
        if (t != fathom::NO_TOKEN) eog.Set(eog.Length(), Napi::Number::New(env, t));
    }
    out.Set("eog", eog);
    return out;
}

Napi::Value ModelWrap::create_context(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto m = model(env);
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsObject(), "createContext(options: object)");
    Napi::Object opts = info[0].As<Napi::Object>();
    fathom::ContextParams params;
    const auto read_uint = [&](const char * key, uint32_t & out) {
        Napi::Value v = opts.Get(key);
        if (v.IsUndefined()) return;
        FATHOM_REQUIRE(env, v.IsNumber(), std::string(key) + " must be a number");
        const double d = v.As<Napi::Number>().DoubleValue();
        FATHOM_REQUIRE(env, d >= 0 && d <= 4294967295.0 && d == static_cast<double>(static_cast<uint32_t>(d)), std::string(key) + " must be a non-negative integer");
        out = static_cast<uint32_t>(d);
    };
    uint32_t threads = 1;
    read_uint("contextSize", params.n_ctx);
    read_uint("batchSize", params.n_batch);
    read_uint("threads", threads);
    params.n_threads = static_cast<int>(std::min<uint32_t>(threads, 1u << 16));
    using Created = std::shared_ptr<fathom::Context>;
    return PromiseWorker<Created>::run(
        env, "fathom.createContext", [m, params]() { return std::make_shared<fathom::Context>(m, params); },
        [](Napi::Env env, Created & created) -> Napi::Value {
            return addon_data(env).context_class.New({Napi::External<Created>::New(env, &created)});
        });
}

Napi::Value ModelWrap::dispose(const Napi::CallbackInfo & info) {
    // Contexts keep their own reference; the weights go when the last one is gone.
    model_.reset();
    return info.Env().Undefined();
}

}  // namespace fathom_binding
