// Runs a synchronous binding body and turns engine exceptions into typed JS errors.
#pragma once

#include <napi.h>

#include <new>

#include "error.h"
#include "errors.h"

namespace fathom_binding {

template <typename Body>
Napi::Value guard(Napi::Env env, Body && body) {
    try {
        return body();
    } catch (const fathom::Error & e) {
        throw make_error(env, e.code(), e.what());
    } catch (const std::bad_alloc &) {
        throw make_error(env, fathom::codes::OUT_OF_MEMORY, "out of memory");
    }
}

}  // namespace fathom_binding
