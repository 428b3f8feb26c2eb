// Hands memory freed by a disposed model or context back to the operating system.
// glibc keeps freed blocks in its per-thread arenas (and raises its mmap threshold
// after large frees), so without this a process that loads and disposes models
// keeps their size in RSS long after dispose().
#pragma once

namespace fathom {

void release_free_memory();

// shared_ptr deleter for objects that own large buffers: frees the object, then releases.
struct DeleteAndRelease {
    template <typename T>
    void operator()(T * object) const {
        delete object;
        release_free_memory();
    }
};

}  // namespace fathom
