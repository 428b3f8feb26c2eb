// Qwen2 / Qwen2.5: the llama block with biases on the Q/K/V projections and
// NeoX-style RoPE (rotating the two halves of each head rather than pairs).
#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_qwen2_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    // The biases are optional in the shared loader; Qwen2 files always have them.
    load_llama_weights(loader, hp, w);
}

ggml_tensor * build_qwen2_graph(GraphBuilder & g) {
    return g.output_head(g.decoder_layers(g.embed_tokens(), LayerStyle{GGML_ROPE_TYPE_NEOX, /*gelu_ffn=*/false}));
}

}  // namespace fathom
