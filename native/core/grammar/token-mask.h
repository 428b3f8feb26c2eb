// A set of token ids as a bitset over the vocabulary, 64 tokens a word: what a grammar state allows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fathom {

// Past the mask's end is not allowed (logit rows may be wider than the vocabulary: padded output).
inline bool in_mask(const std::vector<uint64_t> & bits, size_t t) { return (t >> 6) < bits.size() && ((bits[t >> 6] >> (t & 63)) & 1); }

inline void add_to_mask(std::vector<uint64_t> & bits, size_t t) { bits[t >> 6] |= uint64_t(1) << (t & 63); }

}  // namespace fathom
