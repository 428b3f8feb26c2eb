// The llama architecture (also Mistral-style files): pre-norm blocks of RMSNorm,
// RoPE attention (normal rotation; Llama 3.1+ frequency factors when present) with
// grouped KV heads, and a SwiGLU FFN.
#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_llama_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    loader.load_head(hp, w);
    loader.load_rope_factors(hp, w);
    w.layers.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        loader.load_attention(hp, static_cast<int>(il), w.layers[il], /*qk_norm=*/false);
        loader.load_gated_ffn(hp, static_cast<int>(il), w.layers[il]);
    }
}

ggml_tensor * build_llama_graph(GraphBuilder & g) {
    return g.output_head(g.decoder_layers(g.embed_tokens(), LayerStyle{GGML_ROPE_TYPE_NORMAL, /*gelu_ffn=*/false}));
}

}  // namespace fathom
