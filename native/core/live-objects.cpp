// See live-objects.h.
#include "live-objects.h"

#include <atomic>

namespace fathom {

static std::atomic<int64_t> counts[2];

LiveCount::LiveCount(LiveKind kind) : kind_(kind) { counts[static_cast<int>(kind)]++; }
LiveCount::~LiveCount() { counts[static_cast<int>(kind_)]--; }

int64_t live_count(LiveKind kind) { return counts[static_cast<int>(kind)].load(); }

}  // namespace fathom
