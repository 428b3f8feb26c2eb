// Typed errors for JS: every failure becomes an instance of the FathomError
// class registered by src/native/ (with .code), and argument checks are
// one-line macros at the top of each method.
#pragma once

#include <napi.h>

#include <string>

namespace fathom_binding {

Napi::Error make_error(Napi::Env env, const std::string & code, const std::string & message);

// Throws INVALID_ARGUMENT unless `cond`; use at the top of binding methods.
#define FATHOM_REQUIRE(env, cond, message)                                                          \
    do {                                                                                            \
        if (!(cond)) throw ::fathom_binding::make_error((env), "INVALID_ARGUMENT", (message));     \
    } while (0)

}  // namespace fathom_binding
