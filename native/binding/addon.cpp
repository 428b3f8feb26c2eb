// Entry point of the native addon: registers the wrapped classes and loadModel,
// and takes the FathomError class from src/native/ so errors are typed.
#include <napi.h>

#include <iterator>

#include "addon-data.h"
#include "context-wrap.h"
#include "error.h"
#include "errors.h"
#include "ggml-log.h"
#include "grammar-wrap.h"
#include "live-objects.h"
#include "model-wrap.h"
#include "quantize-binding.h"
#include "sampler-wrap.h"
#include "system-info.h"

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

// devices(): what ggml sees — [{ name, description, type: 'cpu'|'gpu'|'igpu'|'accel', memoryFree, memoryTotal }].
static Napi::Value devices(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const std::vector<fathom::DeviceInfo> list = guard(env, [] { return fathom::list_devices(); });
    Napi::Array out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) {
        Napi::Object d = Napi::Object::New(env);
        d.Set("name", Napi::String::New(env, list[i].name));
        d.Set("description", Napi::String::New(env, list[i].description));
        d.Set("type", Napi::String::New(env, list[i].type));
        d.Set("memoryFree", Napi::Number::New(env, static_cast<double>(list[i].memory_free)));
        d.Set("memoryTotal", Napi::Number::New(env, static_cast<double>(list[i].memory_total)));
        out.Set(static_cast<uint32_t>(i), d);
    }
    return out;
}

// buildInfo(): { compiler, features, cpuVariant, dynamicBackends, cpuLibrary?, backendDirectory? } — the
// compiler the addon was built with, what ggml's CPU backend was compiled for and found on this CPU
// (e.g. AVX2: "1"), and in a prebuild which CPU variant ggml picked and from which file.
static Napi::Value build_info(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    const fathom::SystemInfo & system = guard(env, []() -> const fathom::SystemInfo & { return fathom::system_info(); });
    Napi::Object out = Napi::Object::New(env);
    Napi::Object features = Napi::Object::New(env);
    for (const auto & [name, value] : system.cpu_features) features.Set(name, Napi::String::New(env, value));
    out.Set("features", features);
    out.Set("dynamicBackends", Napi::Boolean::New(env, system.dynamic_backends));
    out.Set("cpuVariant", Napi::String::New(env, system.cpu_variant));
    if (system.dynamic_backends) {
        out.Set("cpuLibrary", Napi::String::New(env, system.cpu_library));
        out.Set("backendDirectory", Napi::String::New(env, system.backend_directory));
    }
#if defined(__clang__)
    out.Set("compiler", Napi::String::New(info.Env(), std::string("clang ") + __clang_version__));
#elif defined(__GNUC__)
    out.Set("compiler", Napi::String::New(info.Env(), std::string("gcc ") + __VERSION__));
#elif defined(_MSC_VER)
    out.Set("compiler", Napi::String::New(info.Env(), "msvc " + std::to_string(_MSC_VER)));
#endif
    return out;
}

// errorCodes(): every code the engine defines (fathom::codes::ALL), in order.
static Napi::Value error_codes(const Napi::CallbackInfo & info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, std::size(fathom::codes::ALL));
    for (size_t i = 0; i < std::size(fathom::codes::ALL); i++) out.Set(static_cast<uint32_t>(i), Napi::String::New(env, fathom::codes::ALL[i]));
    return out;
}

static Napi::Object init(Napi::Env env, Napi::Object exports) {
    fathom::ggml_log_install();
    try {
        fathom::system_info();  // a prebuild loads ggml's CPU backend (the best variant for this CPU) here
    } catch (const std::exception & e) {
        throw Napi::Error::New(env, e.what());
    }
    auto * data = new AddonData();
    env.SetInstanceData(data);
    Napi::Function model = ModelWrap::define(env);
    Napi::Function context = ContextWrap::define(env);
    Napi::Function sampler = SamplerWrap::define(env);
    data->model_class = Napi::Persistent(model);
    data->context_class = Napi::Persistent(context);
    data->sampler_class = Napi::Persistent(sampler);
    Napi::Function vocabulary = VocabularyWrap::define(env);
    Napi::Function grammar = GrammarWrap::define(env);
    data->vocabulary_class = Napi::Persistent(vocabulary);
    data->grammar_class = Napi::Persistent(grammar);
    exports.Set("NativeSampler", sampler);
    exports.Set("NativeGrammarVocabulary", vocabulary);
    exports.Set("NativeGrammar", grammar);
    exports.Set("loadModel", Napi::Function::New<ModelWrap::load>(env, "loadModel"));
    exports.Set("setErrorClass", Napi::Function::New<set_error_class>(env, "setErrorClass"));
    exports.Set("devices", Napi::Function::New<devices>(env, "devices"));
    exports.Set("buildInfo", Napi::Function::New<build_info>(env, "buildInfo"));
    exports.Set("liveObjects", Napi::Function::New<live_objects>(env, "liveObjects"));
    exports.Set("errorCodes", Napi::Function::New<error_codes>(env, "errorCodes"));
    exports.Set("quantize", Napi::Function::New<quantize>(env, "quantize"));
    exports.Set("dequantize", Napi::Function::New<dequantize>(env, "dequantize"));
    return exports;
}

}  // namespace fathom_binding

static Napi::Object init_addon(Napi::Env env, Napi::Object exports) { return fathom_binding::init(env, exports); }

NODE_API_MODULE(fathom, init_addon)
