// A read-only memory mapping of a whole file, so GGUF weights can be handed to
// ggml in place (the OS pages them in; nothing is copied). Falls back to reading
// the file into one aligned heap block where mmap is not available.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fathom {

class MappedFile {
public:
    // Throws Error(FILE_NOT_FOUND) when the path cannot be opened.
    explicit MappedFile(const std::string & path);
    ~MappedFile();
    MappedFile(const MappedFile &) = delete;
    MappedFile & operator=(const MappedFile &) = delete;

    const uint8_t * data() const { return data_; }
    size_t size() const { return size_; }

private:
    uint8_t * data_ = nullptr;
    size_t size_ = 0;
    bool mapped_ = false;
};

}  // namespace fathom
