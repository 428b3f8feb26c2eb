// JS class NativeModel: owns a shared fathom::Model (weights). Loading and context
// creation run on worker threads.
#pragma once

#include <napi.h>

#include <memory>

#include "model.h"

namespace fathom_binding {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
public:
    static Napi::Function define(Napi::Env env);
    // loadModel(path: string, options?: { gpuLayers?: number }): Promise<NativeModel>
    static Napi::Value load(const Napi::CallbackInfo & info);

    explicit ModelWrap(const Napi::CallbackInfo & info);
    std::shared_ptr<const fathom::Model> model(Napi::Env env) const;

private:
    Napi::Value create_context(const Napi::CallbackInfo & info);
    Napi::Value dispose(const Napi::CallbackInfo & info);
    // placement(): { gpuLayers, gpuDevice } — blocks (+1 for the head) on a GPU, and which one (or null).
    Napi::Value placement(const Napi::CallbackInfo & info);
    // shape(): { layers, embedding, heads, vocabulary, encoder } — the sizes the engine loaded.
    Napi::Value shape(const Napi::CallbackInfo & info);

    std::shared_ptr<const fathom::Model> model_;
};

}  // namespace fathom_binding
