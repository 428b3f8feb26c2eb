// See errors.h.
#include "errors.h"

#include "addon-data.h"

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

}  // namespace fathom_binding
