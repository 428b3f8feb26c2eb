// A GGUF file opened for reading: metadata through ggml's gguf API, tensor
// descriptors in a no-alloc ggml context, and the file mapped into memory so
// weights are used in place. Validates everything ggml would otherwise assert on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ggml.h"
#include "gguf.h"
#include "mapped-file.h"

namespace fathom {

class GgufFile {
public:
    // Throws Error(FILE_NOT_FOUND | INVALID_GGUF).
    explicit GgufFile(const std::string & path);
    ~GgufFile();
    GgufFile(const GgufFile &) = delete;
    GgufFile & operator=(const GgufFile &) = delete;

    const std::string & path() const { return path_; }
    gguf_context * gguf() const { return gguf_; }
    // Tensor descriptors (data == nullptr); they live as long as this file.
    ggml_context * meta() const { return meta_; }
    ggml_tensor * tensor(const std::string & name) const;
    // Start of a tensor's bytes inside the mapped file.
    const uint8_t * tensor_data(const ggml_tensor * t) const;
    const MappedFile & mapping() const { return *mapping_; }

    bool has(const std::string & key) const { return find(key) >= 0; }
    std::string get_string(const std::string & key) const;
    std::string get_string(const std::string & key, const std::string & fallback) const;
    // Integers of any GGUF integer type; range-checked into uint32.
    uint32_t get_u32(const std::string & key) const;
    uint32_t get_u32(const std::string & key, uint32_t fallback) const;
    float get_f32(const std::string & key, float fallback) const;
    // Number of elements of an array value; throws when the key is missing or not an array.
    uint32_t array_length(const std::string & key) const;

private:
    int64_t find(const std::string & key) const;
    int64_t require(const std::string & key) const;
    [[noreturn]] void fail_type(const std::string & key, const char * wanted) const;
    void validate_tensors();

    std::string path_;
    std::unique_ptr<MappedFile> mapping_;
    gguf_context * gguf_ = nullptr;
    ggml_context * meta_ = nullptr;
};

}  // namespace fathom
