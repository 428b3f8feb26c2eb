// Phi-3 (dense): the llama block with Q/K/V fused in one matrix, gate and up fused
// in another, NeoX-style RoPE (with LongRoPE factors when the file has them), and
// queries scaled before attention. llama.cpp runs it without sliding windows; so do we.
#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_phi3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    load_llama_weights(loader, hp, w);
}

ggml_tensor * build_phi3_graph(GraphBuilder & g) {
    g.prescale_queries = true;
    return g.output_head(g.decoder_layers(g.embed_tokens(), GGML_ROPE_TYPE_NEOX));
}

}  // namespace fathom
