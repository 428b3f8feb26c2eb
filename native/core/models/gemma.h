// What Gemma 2 and Gemma 3 share beyond the common blocks.
#pragma once

#include <cmath>
#include <cstdint>

#include "hparams.h"

namespace fathom {

// Queries are scaled before attention, by 1/sqrt(head_dim) except on the 27B models, which use
// 1/sqrt(n_embd / n_head) (llama.cpp recognises them by layer count: `layers_27b`).
inline void set_gemma_query_scale(Hparams & hp, uint32_t layers_27b) {
    const float width = hp.n_layer == layers_27b ? float(hp.n_embd) / float(hp.n_head) : float(hp.n_embd_head_k);
    hp.query_scale = 1.0f / std::sqrt(width);
}

}  // namespace fathom
