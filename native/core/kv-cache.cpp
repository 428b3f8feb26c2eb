// See kv-cache.h.
#include "kv-cache.h"

#include <algorithm>

#include "error.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "hparams.h"

namespace fathom {

KvCache::KvCache(const Hparams & hp, uint32_t seq_size, uint32_t n_seq, uint32_t first_gpu_layer, ggml_backend_buffer_type_t gpu_buft)
    : seq_size_(seq_size), n_seq_(n_seq), used_(new std::atomic<uint32_t>[n_seq]) {
    if (n_seq == 0 || n_seq > 256) throw Error(codes::INVALID_ARGUMENT, "sequences must be between 1 and 256, got " + std::to_string(n_seq));
    for (uint32_t s = 0; s < n_seq; s++) used_[s].store(0);
    const uint64_t n_cells = uint64_t(seq_size) * n_seq;
    // Checked total (K and V, F16): ggml would wrap the sum and abort instead of failing the allocation.
    const long double total = 2.0L * 2.0L * hp.n_layer * n_cells * std::max(hp.n_embd_k_gqa(), hp.n_embd_v_gqa());
    if (n_cells > (1u << 24) || total > static_cast<long double>(1ull << 46)) {
        throw Error(codes::OUT_OF_MEMORY, "a KV cache of " + std::to_string(n_cells) + " cells would need " +
                                              std::to_string(static_cast<unsigned long long>(total / (1ull << 30))) + " GiB; use a smaller contextSize");
    }
    ggml_init_params params = {/*mem_size=*/2 * hp.n_layer * ggml_tensor_overhead(), /*mem_buffer=*/nullptr, /*no_alloc=*/true};
    if (!gpu_buft) first_gpu_layer = hp.n_layer;
    ctx_ = ggml_init(params);
    if (first_gpu_layer < hp.n_layer) gpu_ctx_ = ggml_init(params);
    if (!ctx_ || (first_gpu_layer < hp.n_layer && !gpu_ctx_)) {
        release();
        throw Error(codes::OUT_OF_MEMORY, "cannot create the KV cache context");
    }
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        ggml_context * ctx = il < first_gpu_layer ? ctx_ : gpu_ctx_;
        ggml_tensor * k = ggml_new_tensor_2d(ctx, GGML_TYPE_F16, hp.n_embd_k_gqa(), n_cells);  // [n_embd_k_gqa, n_cells]
        ggml_tensor * v = ggml_new_tensor_2d(ctx, GGML_TYPE_F16, hp.n_embd_v_gqa(), n_cells);  // [n_embd_v_gqa, n_cells]
        ggml_format_name(k, "cache_k_l%u", il);
        ggml_format_name(v, "cache_v_l%u", il);
        k_.push_back(k);
        v_.push_back(v);
    }
    // A context with no tensors (every layer on the GPU) needs no buffer.
    if (first_gpu_layer > 0) buffer_ = ggml_backend_alloc_ctx_tensors_from_buft(ctx_, ggml_backend_cpu_buffer_type());
    if (gpu_ctx_) gpu_buffer_ = ggml_backend_alloc_ctx_tensors_from_buft(gpu_ctx_, gpu_buft);
    if ((first_gpu_layer > 0 && !buffer_) || (gpu_ctx_ && !gpu_buffer_)) {
        release();
        throw Error(codes::OUT_OF_MEMORY, "cannot allocate a KV cache of " + std::to_string(n_cells) + " cells");
    }
    // One sequence: a graph only reads cells it has written, so memory is committed only as the
    // sequence grows. Several: a batch reads the span of all its sequences' regions, masked; masked
    // cells must still hold finite numbers (0 * NaN is NaN in the plain attention path).
    if (n_seq > 1 && buffer_) ggml_backend_buffer_clear(buffer_, 0);
    // GPU memory is not zeroed on allocation: clear it always (cheap there), so no cell ever holds NaN.
    if (gpu_buffer_) ggml_backend_buffer_clear(gpu_buffer_, 0);
}

KvCache::~KvCache() { release(); }

void KvCache::release() {
    if (gpu_buffer_) ggml_backend_buffer_free(gpu_buffer_);
    if (buffer_) ggml_backend_buffer_free(buffer_);
    if (gpu_ctx_) ggml_free(gpu_ctx_);
    if (ctx_) ggml_free(ctx_);
    gpu_buffer_ = buffer_ = nullptr;
    gpu_ctx_ = ctx_ = nullptr;
}

size_t KvCache::bytes() const { return (buffer_ ? ggml_backend_buffer_get_size(buffer_) : 0) + (gpu_buffer_ ? ggml_backend_buffer_get_size(gpu_buffer_) : 0); }

}  // namespace fathom
