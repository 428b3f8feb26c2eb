// See mapped-file.h.
#include "mapped-file.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "error.h"

#ifndef _WIN32
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace fathom {

static Error open_error(const std::string & path, int err) {
    if (err == ENOENT || err == ENOTDIR) return Error(codes::FILE_NOT_FOUND, "no such file: " + path);
    return Error(codes::FILE_NOT_FOUND, "cannot open " + path + ": " + std::strerror(err));
}

#ifndef _WIN32
MappedFile::MappedFile(const std::string & path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw open_error(path, errno);
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(codes::FILE_NOT_FOUND, "not a regular file: " + path);
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
        void * addr = mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
        if (addr == MAP_FAILED) {
            int err = errno;
            ::close(fd);
            throw Error(codes::OUT_OF_MEMORY, "cannot map " + path + ": " + std::strerror(err));
        }
        data_ = static_cast<uint8_t *>(addr);
        mapped_ = true;
    }
    ::close(fd);
}

MappedFile::~MappedFile() {
    if (mapped_) munmap(data_, size_);
}
#else
MappedFile::MappedFile(const std::string & path) {
    FILE * f = std::fopen(path.c_str(), "rb");
    if (!f) throw open_error(path, errno);
    _fseeki64(f, 0, SEEK_END);
    size_ = static_cast<size_t>(_ftelli64(f));
    _fseeki64(f, 0, SEEK_SET);
    // 64-byte alignment keeps every GGUF-aligned tensor offset aligned for ggml.
    data_ = static_cast<uint8_t *>(_aligned_malloc(size_ ? size_ : 1, 64));
    if (!data_ || std::fread(data_, 1, size_, f) != size_) {
        std::fclose(f);
        _aligned_free(data_);
        throw Error(codes::FILE_NOT_FOUND, "cannot read " + path);
    }
    std::fclose(f);
}

MappedFile::~MappedFile() { _aligned_free(data_); }
#endif

}  // namespace fathom
