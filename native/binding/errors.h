// Typed errors for JS: every failure becomes an instance of the FathomError
// class registered by src/native/ (with .code). One ladder turns any C++
// exception into a code and a message, for synchronous methods (guard) and
// for workers (PromiseWorker) alike; argument checks are one-line macros.
#pragma once

#include <napi.h>

#include <string>

#include "error.h"

namespace fathom_binding {

Napi::Error make_error(Napi::Env env, const std::string & code, const std::string & message);

// The code and message of the exception being handled (call inside a catch block):
// fathom::Error keeps its code, std::bad_alloc is OUT_OF_MEMORY, anything else INTERNAL.
struct ErrorInfo {
    std::string code, message;
};
ErrorInfo current_error();

// Runs a synchronous binding body, turning engine exceptions into typed JS errors.
template <typename Body>
auto guard(Napi::Env env, Body && body) -> decltype(body()) {
    try {
        return body();
    } catch (const Napi::Error &) {
        throw;
    } catch (...) {
        const ErrorInfo e = current_error();
        throw make_error(env, e.code, e.message);
    }
}

// Throws INVALID_ARGUMENT unless `cond`; use at the top of binding methods.
#define FATHOM_REQUIRE(env, cond, message)                                                                    \
    do {                                                                                                      \
        if (!(cond)) throw ::fathom_binding::make_error((env), ::fathom::codes::INVALID_ARGUMENT, (message)); \
    } while (0)

}  // namespace fathom_binding
