// The key/value cache of one context: F16 tensors per layer in one CPU buffer.
// K is stored row per position. V is stored the same way for flash attention, or
// transposed (row per channel) so the plain V·softmax product reads it without a copy.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"

namespace fathom {

struct Hparams;

class KvCache {
public:
    // Throws Error(OUT_OF_MEMORY) when the buffer cannot be allocated.
    KvCache(const Hparams & hp, uint32_t size, bool v_transposed);
    ~KvCache();
    KvCache(const KvCache &) = delete;
    KvCache & operator=(const KvCache &) = delete;

    uint32_t size() const { return size_; }
    // Positions 0..used()-1 hold valid entries.
    uint32_t used() const { return used_; }
    void set_used(uint32_t n) { used_ = n; }
    ggml_tensor * k(int layer) const { return k_[layer]; }  // [n_embd_k_gqa, size]
    ggml_tensor * v(int layer) const { return v_[layer]; }  // [n_embd_v_gqa, size], or [size, n_embd_v_gqa] when transposed
    bool v_transposed() const { return v_transposed_; }
    size_t bytes() const;

private:
    uint32_t size_;
    bool v_transposed_;
    std::atomic<uint32_t> used_{0};  // read by the JS thread (state()) while a worker decodes
    ggml_context * ctx_ = nullptr;
    ggml_backend_buffer_t buffer_ = nullptr;
    std::vector<ggml_tensor *> k_, v_;
};

}  // namespace fathom
