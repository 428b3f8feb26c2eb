// The one error type the engine throws. Every failure a user can cause (bad file,
// bad argument, full context) becomes an fathom::Error with a stable code string
// that the binding maps 1:1 onto FathomError.code. Never abort on input.
#pragma once

#include <stdexcept>
#include <string>

namespace fathom {

class Error : public std::runtime_error {
public:
    Error(std::string code, const std::string & message) : std::runtime_error(message), code_(std::move(code)) {}
    const std::string & code() const { return code_; }

private:
    std::string code_;
};

// Codes shared with src/errors.ts.
namespace codes {
inline constexpr const char * FILE_NOT_FOUND = "FILE_NOT_FOUND";
inline constexpr const char * INVALID_GGUF = "INVALID_GGUF";
inline constexpr const char * UNSUPPORTED_ARCHITECTURE = "UNSUPPORTED_ARCHITECTURE";
inline constexpr const char * INVALID_ARGUMENT = "INVALID_ARGUMENT";
inline constexpr const char * CONTEXT_FULL = "CONTEXT_FULL";
inline constexpr const char * OUT_OF_MEMORY = "OUT_OF_MEMORY";
inline constexpr const char * COMPUTE_FAILED = "COMPUTE_FAILED";
inline constexpr const char * ABORTED = "ABORTED";
inline constexpr const char * NATIVE_LOAD_FAILED = "NATIVE_LOAD_FAILED";
}  // namespace codes

}  // namespace fathom
