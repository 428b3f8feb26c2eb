// Qwen3 (dense): the llama block with NeoX-style RoPE and a per-head RMSNorm on
// queries and keys before the rotation; no projection biases.
#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_qwen3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    loader.load_decoder(hp, w, /*qk_norm=*/true, /*post_norms=*/false);
}

ggml_tensor * build_qwen3_graph(GraphBuilder & g) {
    return g.output_head(g.decoder_layers(g.embed_tokens(), LayerStyle{GGML_ROPE_TYPE_NEOX, /*gelu_ffn=*/false}));
}

}  // namespace fathom
