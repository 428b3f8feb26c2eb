// Phi-3 (dense): the llama block with Q/K/V fused in one matrix, gate and up fused
// in another, NeoX-style RoPE (with LongRoPE factors when the file has them), and
// queries scaled before attention. llama.cpp runs it without sliding windows; so do we.
#include <cmath>

#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_phi3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) { load_llama_weights(loader, hp, w); }

void load_phi3_hparams(const GgufFile &, Hparams & hp) {
    hp.query_scale = 1.0f / std::sqrt(static_cast<float>(hp.n_embd_head_k));  // queries are scaled before attention
}

ggml_tensor * build_phi3_graph(GraphBuilder & g) {
    return g.output_head(g.decoder_layers(g.embed_tokens(), LayerStyle{GGML_ROPE_TYPE_NEOX, /*gelu_ffn=*/false}));
}

}  // namespace fathom
