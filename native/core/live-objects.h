// Counts of engine objects alive in the process (models, contexts), so a test can
// check that disposal really frees them, independent of how the allocator and
// the JS engine hold on to freed pages.
#pragma once

#include <cstdint>

namespace fathom {

enum class LiveKind { Model = 0, Context = 1 };

// A member that counts its owner as alive for as long as the owner exists.
class LiveCount {
public:
    explicit LiveCount(LiveKind kind);
    ~LiveCount();
    LiveCount(const LiveCount &) = delete;
    LiveCount & operator=(const LiveCount &) = delete;

private:
    LiveKind kind_;
};

int64_t live_count(LiveKind kind);

}  // namespace fathom
