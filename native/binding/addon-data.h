// Per-environment state of the addon (one per Node.js realm/worker thread):
// the JS error class handed over by src/ at init and the wrapped classes' constructors.
#pragma once

#include <napi.h>

namespace fathom_binding {

struct AddonData {
    Napi::FunctionReference error_class;
    Napi::FunctionReference model_class;
    Napi::FunctionReference context_class;
    Napi::FunctionReference sampler_class;
    Napi::FunctionReference vocabulary_class;
    Napi::FunctionReference grammar_class;
};

inline AddonData & addon_data(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace fathom_binding
