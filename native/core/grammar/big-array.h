// A fixed-size array for large, randomly read tables (the token trie): on Linux it asks for
// transparent huge pages, so a walk that jumps across megabytes misses the TLB far less often.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace fathom {

template <typename T>
class BigArray {
    static_assert(std::is_trivially_copyable<T>::value, "BigArray holds plain records");

public:
    BigArray() = default;
    explicit BigArray(size_t n) : size_(n) {
        if (n == 0) return;
        const size_t bytes = n * sizeof(T);
#if defined(__linux__)
        constexpr size_t HUGE_PAGE = size_t(2) << 20;
        if (bytes >= HUGE_PAGE) {
            void * p = nullptr;
            if (posix_memalign(&p, HUGE_PAGE, (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE) != 0) throw std::bad_alloc();
            madvise(p, bytes, MADV_HUGEPAGE);  // advice only: without huge pages it is plain memory
            data_ = static_cast<T *>(p);
        }
#endif
        if (!data_) {
            data_ = static_cast<T *>(std::malloc(bytes));
            if (!data_) throw std::bad_alloc();
        }
        std::memset(static_cast<void *>(data_), 0, bytes);
    }
    BigArray(const BigArray &) = delete;
    BigArray & operator=(const BigArray &) = delete;
    BigArray(BigArray && o) noexcept : data_(o.data_), size_(o.size_) {
        o.data_ = nullptr;
        o.size_ = 0;
    }
    BigArray & operator=(BigArray && o) noexcept {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        return *this;
    }
    ~BigArray() { std::free(data_); }

    size_t size() const { return size_; }
    T & operator[](size_t i) { return data_[i]; }
    const T & operator[](size_t i) const { return data_[i]; }

private:
    T * data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace fathom
