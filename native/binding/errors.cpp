// See errors.h.
#include "errors.h"

#include <exception>
#include <new>

#include "addon-data.h"
#include "error.h"

namespace fathom_binding {

Napi::Error make_error(Napi::Env env, const std::string & code, const std::string & message) {
    AddonData & data = addon_data(env);
    if (!data.error_class.IsEmpty()) {
        Napi::Object err = data.error_class.New({Napi::String::New(env, code), Napi::String::New(env, message)});
        return Napi::Error(env, err);
    }
    Napi::Error err = Napi::Error::New(env, message);
    err.Set("code", Napi::String::New(env, code));
    return err;
}

ErrorInfo current_error() {
    try {
        throw;
    } catch (const fathom::Error & e) {
        return {e.code(), e.what()};
    } catch (const std::bad_alloc &) {
        return {fathom::codes::OUT_OF_MEMORY, "out of memory"};
    } catch (const std::exception & e) {
        return {fathom::codes::INTERNAL, e.what()};
    } catch (...) {
        return {fathom::codes::INTERNAL, "unknown exception"};
    }
}

}  // namespace fathom_binding
