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

// Every code, defined once: src/errors.ts lists the same ones in the same order (the addon
// exports ALL and a test compares the two lists).
namespace codes {
inline constexpr const char * FILE_NOT_FOUND = "FILE_NOT_FOUND";
inline constexpr const char * INVALID_GGUF = "INVALID_GGUF";
inline constexpr const char * UNSUPPORTED_ARCHITECTURE = "UNSUPPORTED_ARCHITECTURE";
inline constexpr const char * INVALID_ARGUMENT = "INVALID_ARGUMENT";
inline constexpr const char * CONTEXT_FULL = "CONTEXT_FULL";
inline constexpr const char * INVALID_GRAMMAR = "INVALID_GRAMMAR";      // a grammar that cannot be parsed or run
inline constexpr const char * INCOMPLETE_OUTPUT = "INCOMPLETE_OUTPUT";  // a constrained output that ended before its grammar did
inline constexpr const char * TEMPLATE_ERROR = "TEMPLATE_ERROR";        // a chat template that fails, or runs past its budget (raised in src/)
inline constexpr const char * ABORTED = "ABORTED";
inline constexpr const char * DISPOSED = "DISPOSED";  // the model or context was disposed
inline constexpr const char * BUSY = "BUSY";          // the object is already in use by a running call
inline constexpr const char * OUT_OF_MEMORY = "OUT_OF_MEMORY";
inline constexpr const char * COMPUTE_FAILED = "COMPUTE_FAILED";
inline constexpr const char * NATIVE_LOAD_FAILED = "NATIVE_LOAD_FAILED";
inline constexpr const char * INTERNAL = "INTERNAL";  // a bug of ours: any exception that is not an Error
inline constexpr const char * ALL[] = {FILE_NOT_FOUND,
                                       INVALID_GGUF,
                                       UNSUPPORTED_ARCHITECTURE,
                                       INVALID_ARGUMENT,
                                       CONTEXT_FULL,
                                       INVALID_GRAMMAR,
                                       INCOMPLETE_OUTPUT,
                                       TEMPLATE_ERROR,
                                       ABORTED,
                                       DISPOSED,
                                       BUSY,
                                       OUT_OF_MEMORY,
                                       COMPUTE_FAILED,
                                       NATIVE_LOAD_FAILED,
                                       INTERNAL};
}  // namespace codes

}  // namespace fathom
