// Reading JS arguments into plain C++ values, with the checks every method shares: each
// reader throws INVALID_ARGUMENT naming the argument (`what`) and the rule it broke. What a
// worker needs is copied here, on the JS thread, before it starts.
#pragma once

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "context.h"
#include "token.h"

namespace fathom_binding {

// An Int32Array of token ids.
std::vector<fathom::Token> read_tokens(Napi::Env env, Napi::Value v, const char * what = "tokens");
// A number that is an integer in [0, 2^32).
uint32_t read_uint32(Napi::Env env, Napi::Value v, const char * what);
// A number in [0, max] (any number type with a floor; integer checked).
double read_integer(Napi::Env env, Napi::Value v, const char * what, double max);
// A number (any finite or infinite double).
double read_number(Napi::Env env, Napi::Value v, const char * what);
// An array of integers in [0, 2^32) (undefined: empty).
std::vector<uint32_t> read_uint32_list(Napi::Env env, Napi::Value v, const char * what);
// A count of alternatives: a number >= 0 (undefined: 0), capped at 1e9.
size_t read_top_k(Napi::Env env, Napi::Value v);
// { data: Float32Array [n_layer * n_embd], firstLayer, lastLayer }, or null when undefined/null.
std::shared_ptr<fathom::ControlVector> read_control(Napi::Env env, Napi::Value v);
// A typed array of the given element type.
Napi::Int32Array read_int32_array(Napi::Env env, Napi::Value v, const char * what);
Napi::Float32Array read_float32_array(Napi::Env env, Napi::Value v, const char * what);
Napi::Uint8Array read_uint8_array(Napi::Env env, Napi::Value v, const char * what);
Napi::Uint32Array read_uint32_array(Napi::Env env, Napi::Value v, const char * what);

// Copies into new JS typed arrays.
Napi::Float32Array to_float32_array(Napi::Env env, const std::vector<float> & values);
Napi::Int32Array to_int32_array(Napi::Env env, const std::vector<int32_t> & values);

}  // namespace fathom_binding
