// The key/value cache of one context: F16 tensors per layer in one CPU buffer (and
// one GPU buffer for the layers whose weights are on a GPU), one row per cell. The cells are split into equal regions, one per sequence:
// sequence s at position p lives in cell s * seq_size + p, so sequences never
// compete for room and a sequence's cells are contiguous.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"

namespace fathom {

struct Hparams;

class KvCache {
public:
    // Throws Error(INVALID_ARGUMENT | OUT_OF_MEMORY).
    // Layers from first_gpu_layer on are kept in a buffer of gpu_buft (when not null).
    KvCache(const Hparams & hp, uint32_t seq_size, uint32_t n_seq, uint32_t first_gpu_layer, ggml_backend_buffer_type_t gpu_buft);
    ~KvCache();
    KvCache(const KvCache &) = delete;
    KvCache & operator=(const KvCache &) = delete;

    // Positions one sequence can hold.
    uint32_t seq_size() const { return seq_size_; }
    uint32_t n_seq() const { return n_seq_; }
    uint32_t first_cell(uint32_t seq) const { return seq * seq_size_; }
    // Positions 0..used(seq)-1 of a sequence hold valid entries.
    uint32_t used(uint32_t seq) const { return used_[seq].load(); }
    void set_used(uint32_t seq, uint32_t n) { used_[seq].store(n); }
    ggml_tensor * k(int layer) const { return k_[layer]; }  // [n_embd_k_gqa, n_cells]
    ggml_tensor * v(int layer) const { return v_[layer]; }  // [n_embd_v_gqa, n_cells]
    size_t bytes() const;

private:
    void release();

    uint32_t seq_size_, n_seq_;
    std::unique_ptr<std::atomic<uint32_t>[]> used_;  // read by the JS thread (state()) while a worker decodes
    ggml_context *ctx_ = nullptr, *gpu_ctx_ = nullptr;
    ggml_backend_buffer_t buffer_ = nullptr, gpu_buffer_ = nullptr;
    std::vector<ggml_tensor *> k_, v_;
};

}  // namespace fathom
