// Entry point of the native addon: registers the wrapped classes and loadModel,
// and takes the FathomError class from src/native/ so errors are typed.
#include <napi.h>

#include "addon-data.h"
#include "context-wrap.h"
#include "errors.h"
#include "ggml-backend.h"
#include "ggml-log.h"
#include "live-objects.h"
#include "model-wrap.h"
#include "quantize-binding.h"
#include "sampler-wrap.h"

namespace fathom_binding {

// setErrorClass(FathomError): instances are created as new FathomError(code, message).
static Napi::Value set_error_class(const Napi::CallbackInfo & info) {
    FATHOM_REQUIRE(info.Env(), info.Length() == 1 && info[0].IsFunction(), "setErrorClass(cls: Function)");
    addon_data(info.Env()).error_class = Napi::Persistent(info[0].As<Napi::Function>());
    return info.Env().Undefined();
}

// liveObjects(): { models, contexts } engine objects alive in this process (for leak checks).
static Napi::Value live_objects(const Napi::CallbackInfo & info) {
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("models", Napi::Number::New(info.Env(), static_cast<double>(fathom::live_count(fathom::LiveKind::Model))));
    out.Set("contexts", Napi::Number::New(info.Env(), static_cast<double>(fathom::live_count(fathom::LiveKind::Context))));
    return out;
}

// buildInfo(): { compiler, features } — the compiler the addon (and ggml in it) was built with,
// and what ggml's CPU backend was compiled for and found on this CPU (e.g. AVX2: "1").
static Napi::Value build_info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Object out = Napi::Object::New(env);
    Napi::Object features = Napi::Object::New(env);
    if (ggml_backend_dev_t cpu = ggml_backend_dev_by_type(GGML_BACKEND_DEVICE_TYPE_CPU)) {
        ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(cpu);
        auto get = reinterpret_cast<ggml_backend_get_features_t>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_get_features"));
        for (ggml_backend_feature * f = get ? get(reg) : nullptr; f && f->name; f++) features.Set(f->name, Napi::String::New(env, f->value));
    }
    out.Set("features", features);
#if defined(__clang__)
    out.Set("compiler", Napi::String::New(info.Env(), std::string("clang ") + __clang_version__));
#elif defined(__GNUC__)
    out.Set("compiler", Napi::String::New(info.Env(), std::string("gcc ") + __VERSION__));
#elif defined(_MSC_VER)
    out.Set("compiler", Napi::String::New(info.Env(), "msvc " + std::to_string(_MSC_VER)));
#endif
    return out;
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
    fathom::ggml_log_install();
    auto * data = new AddonData();
    env.SetInstanceData(data);
    Napi::Function model = ModelWrap::define(env);
    Napi::Function context = ContextWrap::define(env);
    Napi::Function sampler = SamplerWrap::define(env);
    data->model_class = Napi::Persistent(model);
    data->context_class = Napi::Persistent(context);
    data->sampler_class = Napi::Persistent(sampler);
    exports.Set("NativeSampler", sampler);
    exports.Set("loadModel", Napi::Function::New<ModelWrap::load>(env, "loadModel"));
    exports.Set("setErrorClass", Napi::Function::New<set_error_class>(env, "setErrorClass"));
    exports.Set("buildInfo", Napi::Function::New<build_info>(env, "buildInfo"));
    exports.Set("liveObjects", Napi::Function::New<live_objects>(env, "liveObjects"));
    exports.Set("quantize", Napi::Function::New<quantize>(env, "quantize"));
    exports.Set("dequantize", Napi::Function::New<dequantize>(env, "dequantize"));
    return exports;
}

}  // namespace fathom_binding

static Napi::Object init_addon(Napi::Env env, Napi::Object exports) { return fathom_binding::init(env, exports); }

NODE_API_MODULE(fathom, init_addon)
