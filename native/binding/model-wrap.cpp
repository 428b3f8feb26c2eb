// See model-wrap.h.
#include "model-wrap.h"

#include "addon-data.h"
#include "args.h"
#include "context-wrap.h"
#include "context.h"
#include "models/architectures.h"
#include "promise-worker.h"
#include "release-memory.h"

namespace fathom_binding {

Napi::Function ModelWrap::define(Napi::Env env) {
    return DefineClass(env, "NativeModel",
                       {
                           InstanceMethod<&ModelWrap::create_context>("createContext"),
                           InstanceMethod<&ModelWrap::dispose>("dispose"),
                           InstanceMethod<&ModelWrap::placement>("placement"),
                           InstanceMethod<&ModelWrap::shape>("shape"),
                       });
}

ModelWrap::ModelWrap(const Napi::CallbackInfo & info) : Napi::ObjectWrap<ModelWrap>(info) {
    // Only constructed by load(), which passes the loaded model as an External.
    FATHOM_REQUIRE(info.Env(), info.Length() == 1 && info[0].IsExternal(), "NativeModel cannot be constructed directly; use loadModel()");
    auto * loaded = info[0].As<Napi::External<std::shared_ptr<fathom::Model>>>().Data();
    model_ = *loaded;
}

std::shared_ptr<const fathom::Model> ModelWrap::model(Napi::Env env) const {
    if (!model_) throw make_error(env, fathom::codes::DISPOSED, "the model has been disposed");
    return model_;
}

Napi::Value ModelWrap::load(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsString(), "loadModel: path must be a string");
    const std::string path = info[0].As<Napi::String>();
    fathom::LoadParams params;
    if (info.Length() >= 2 && info[1].IsObject()) {
        Napi::Value gpu_layers = info[1].As<Napi::Object>().Get("gpuLayers");
        if (!gpu_layers.IsUndefined()) params.gpu_layers = static_cast<int>(read_integer(env, gpu_layers, "gpuLayers", 2147483647.0));
    }
    using Loaded = std::shared_ptr<fathom::Model>;
    return PromiseWorker<Loaded>::run(
        env, "fathom.loadModel", [path, params]() { return fathom::Model::load(path, params); },
        [](Napi::Env env, Loaded & loaded) -> Napi::Value { return addon_data(env).model_class.New({Napi::External<Loaded>::New(env, &loaded)}); });
}

Napi::Value ModelWrap::placement(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    std::shared_ptr<const fathom::Model> m = model(env);
    Napi::Object out = Napi::Object::New(env);
    out.Set("gpuLayers", Napi::Number::New(env, m->gpu_layers()));
    out.Set("gpuDevice", m->gpu_device_name().empty() ? env.Null() : Napi::Value(Napi::String::New(env, m->gpu_device_name())));
    return out;
}

Napi::Value ModelWrap::shape(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    std::shared_ptr<const fathom::Model> m = model(env);
    const fathom::Hparams & hp = m->hparams();
    Napi::Object out = Napi::Object::New(env);
    out.Set("layers", Napi::Number::New(env, hp.n_layer));
    out.Set("embedding", Napi::Number::New(env, hp.n_embd));
    out.Set("heads", Napi::Number::New(env, hp.n_head));
    out.Set("vocabulary", Napi::Number::New(env, hp.n_vocab));
    out.Set("encoder", Napi::Boolean::New(env, m->architecture().encoder));
    return out;
}

Napi::Value ModelWrap::create_context(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    auto m = model(env);
    FATHOM_REQUIRE(env, info.Length() >= 1 && info[0].IsObject(), "createContext(options: object)");
    Napi::Object opts = info[0].As<Napi::Object>();
    fathom::ContextParams params;
    const auto read_option = [&](const char * key, uint32_t & out) {
        Napi::Value v = opts.Get(key);
        if (!v.IsUndefined()) out = read_uint32(env, v, key);
    };
    uint32_t threads = 1;
    read_option("contextSize", params.n_ctx);
    read_option("batchSize", params.n_batch);
    read_option("sequences", params.n_seq);
    read_option("threads", threads);
    params.n_threads = static_cast<int>(std::min<uint32_t>(threads, 1u << 16));
    using Created = std::shared_ptr<fathom::Context>;
    return PromiseWorker<Created>::run(
        env, "fathom.createContext", [m, params]() { return Created(new fathom::Context(m, params), fathom::DeleteAndRelease()); },
        [](Napi::Env env, Created & created) -> Napi::Value { return addon_data(env).context_class.New({Napi::External<Created>::New(env, &created)}); });
}

Napi::Value ModelWrap::dispose(const Napi::CallbackInfo & info) {
    // Contexts keep their own reference; the weights go when the last one is gone.
    model_.reset();
    return info.Env().Undefined();
}

}  // namespace fathom_binding
