// A small open-addressing hash map from 64-bit keys to 32-bit values, for the grammar
// engine's hot lookups (stack nodes, transitions), where std::unordered_map's node per
// entry costs more than the work it memoizes.
#pragma once

#include <cstdint>
#include <vector>

namespace fathom {

class FlatMap64 {
public:
    static constexpr uint32_t MISSING = UINT32_MAX;

    uint32_t find(uint64_t key) const {
        if (keys_.empty()) return MISSING;
        for (size_t i = slot(key);; i = (i + 1) & mask_) {
            if (keys_[i] == key) return values_[i];
            if (keys_[i] == EMPTY) return MISSING;
        }
    }
    // key must not be UINT64_MAX.
    void insert(uint64_t key, uint32_t value) {
        if ((size_ + 1) * 2 > keys_.size()) grow();
        size_t i = slot(key);
        while (keys_[i] != EMPTY && keys_[i] != key) i = (i + 1) & mask_;
        if (keys_[i] == EMPTY) size_++;
        keys_[i] = key;
        values_[i] = value;
    }
    size_t size() const { return size_; }
    size_t bytes() const { return keys_.size() * (sizeof(uint64_t) + sizeof(uint32_t)); }

private:
    static constexpr uint64_t EMPTY = UINT64_MAX;
    size_t slot(uint64_t key) const {
        // Fibonacci hashing spreads keys whose low bits repeat (code points, small ids).
        return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
    }
    void grow() {
        std::vector<uint64_t> old_keys = std::move(keys_);
        std::vector<uint32_t> old_values = std::move(values_);
        const size_t capacity = old_keys.empty() ? 1024 : old_keys.size() * 2;
        keys_.assign(capacity, EMPTY);
        values_.assign(capacity, 0);
        mask_ = capacity - 1;
        size_ = 0;
        for (size_t i = 0; i < old_keys.size(); i++) {
            if (old_keys[i] != EMPTY) insert(old_keys[i], old_values[i]);
        }
    }

    std::vector<uint64_t> keys_;
    std::vector<uint32_t> values_;
    size_t mask_ = 0, size_ = 0;
};

}  // namespace fathom
