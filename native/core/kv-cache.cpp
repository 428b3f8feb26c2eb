// See kv-cache.h.
#include "kv-cache.h"

#include <algorithm>

#include "error.h"
#include "ggml-alloc.h"
#include "ggml-cpu.h"
#include "hparams.h"

namespace fathom {

KvCache::KvCache(const Hparams & hp, uint32_t size, bool v_transposed) : size_(size), v_transposed_(v_transposed) {
    // Checked total (K and V, F16): ggml would wrap the sum and abort instead of failing the allocation.
    const long double total = 2.0L * 2.0L * hp.n_layer * size * std::max(hp.n_embd_k_gqa(), hp.n_embd_v_gqa());
    if (total > static_cast<long double>(1ull << 46)) {
        throw Error(codes::OUT_OF_MEMORY, "a KV cache of " + std::to_string(size) + " positions would need " +
                                              std::to_string(static_cast<unsigned long long>(total / (1ull << 30))) + " GiB; use a smaller contextSize");
    }
    ggml_init_params params = {/*mem_size=*/2 * hp.n_layer * ggml_tensor_overhead(), /*mem_buffer=*/nullptr, /*no_alloc=*/true};
    ctx_ = ggml_init(params);
    if (!ctx_) throw Error(codes::OUT_OF_MEMORY, "cannot create the KV cache context");
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        ggml_tensor * k = ggml_new_tensor_2d(ctx_, GGML_TYPE_F16, hp.n_embd_k_gqa(), size);  // [n_embd_k_gqa, size]
        ggml_tensor * v = v_transposed ? ggml_new_tensor_2d(ctx_, GGML_TYPE_F16, size, hp.n_embd_v_gqa())   // [size, n_embd_v_gqa]
                                       : ggml_new_tensor_2d(ctx_, GGML_TYPE_F16, hp.n_embd_v_gqa(), size);  // [n_embd_v_gqa, size]
        ggml_format_name(k, "cache_k_l%u", il);
        ggml_format_name(v, "cache_v_l%u", il);
        k_.push_back(k);
        v_.push_back(v);
    }
    buffer_ = ggml_backend_alloc_ctx_tensors_from_buft(ctx_, ggml_backend_cpu_buffer_type());
    if (!buffer_) {
        ggml_free(ctx_);
        throw Error(codes::OUT_OF_MEMORY, "cannot allocate a KV cache of " + std::to_string(size) + " positions");
    }
    // No clearing: a graph only reads cells 0..n_past+n_tokens-1, and writes this batch's
    // cells before reading them, so memory is committed only as the sequence grows.
}

KvCache::~KvCache() {
    if (buffer_) ggml_backend_buffer_free(buffer_);
    if (ctx_) ggml_free(ctx_);
}

size_t KvCache::bytes() const { return ggml_backend_buffer_get_size(buffer_); }

}  // namespace fathom
