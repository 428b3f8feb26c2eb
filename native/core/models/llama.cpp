// The llama architecture (also Mistral-style files): pre-norm blocks of RMSNorm,
// RoPE attention (normal rotation; Llama 3.1+ frequency factors when present) with
// grouped KV heads, and a SwiGLU FFN.
#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_llama_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    loader.load_decoder(hp, w, /*qk_norm=*/false, /*post_norms=*/false);
}

ggml_tensor * build_llama_graph(GraphBuilder & g) {
    return g.output_head(g.decoder_layers(g.embed_tokens(), LayerStyle{GGML_ROPE_TYPE_NORMAL, /*gelu_ffn=*/false}));
}

}  // namespace fathom
