// Qwen3 (dense): the llama block with NeoX-style RoPE and a per-head RMSNorm on
// queries and keys before the rotation; no projection biases.
#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_qwen3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    loader.load_head(hp, w);
    loader.load_rope_factors(hp, w);
    w.layers.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        loader.load_attention(hp, static_cast<int>(il), w.layers[il], /*qk_norm=*/true);
        loader.load_gated_ffn(hp, static_cast<int>(il), w.layers[il]);
    }
}

ggml_tensor * build_qwen3_graph(GraphBuilder & g) {
    return g.output_head(g.decoder_layers(g.embed_tokens(), LayerStyle{GGML_ROPE_TYPE_NEOX, /*gelu_ffn=*/false}));
}

}  // namespace fathom
