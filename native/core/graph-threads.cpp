// See graph-threads.h.
#include "graph-threads.h"

#include "hparams.h"

namespace fathom {

int graph_threads(const TokenSlot * slots, uint32_t n_tokens, size_t weight_bytes, const Hparams & hp, int max_threads) {
    uint64_t visible_keys = 0;
    for (uint32_t i = 0; i < n_tokens; i++) visible_keys += slots[i].pos + 1;
    const bool big_matmuls = uint64_t(weight_bytes) * n_tokens >= (uint64_t(64) << 20);
    // ~200 byte-equivalents of work per key, head and layer.
    const bool long_attention = n_tokens == 1 && uint64_t(200) * visible_keys * hp.n_layer * hp.n_head >= (uint64_t(4) << 20);
    return big_matmuls || long_attention ? max_threads : 1;
}

}  // namespace fathom
