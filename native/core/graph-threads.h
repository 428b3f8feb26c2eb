// How many threads one graph should run on. More threads pay only for big matrix
// products (weights read × tokens), or for one query over a long context (ggml then
// splits its keys across threads). Otherwise — a few tokens through a small model —
// handing work to another thread costs more than it saves, and the graph runs on one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "batch.h"

namespace fathom {

struct Hparams;

// `weight_bytes`: the model's tensor data, read once per token; `max_threads`: the context's setting.
int graph_threads(const TokenSlot * slots, uint32_t n_tokens, size_t weight_bytes, const Hparams & hp, int max_threads);

}  // namespace fathom
