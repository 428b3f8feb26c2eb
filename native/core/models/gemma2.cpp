// Gemma 2: embeddings scaled by sqrt(n_embd); "sandwich" blocks that norm the
// attention and FFN outputs again before each residual add; GELU-gated FFN;
// tanh soft-capping of attention and output logits; every other layer attends
// within a sliding window; NeoX RoPE; output head tied to the embeddings.
#include <cmath>

#include "architectures.h"
#include "gemma.h"
#include "gguf-file.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_gemma2_hparams(const GgufFile & file, Hparams & hp) {
    const std::string arch = hp.architecture;
    hp.n_swa = file.get_u32(arch + ".attention.sliding_window", 4096);
    hp.set_swa_period(file.get_u32(arch + ".attention.sliding_window_pattern", 2));
    hp.attn_softcap = file.get_f32(arch + ".attn_logit_softcapping", 50.0f);
    hp.final_softcap = file.get_f32(arch + ".final_logit_softcapping", 30.0f);
    set_gemma_query_scale(hp, 46);
}

void load_gemma2_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    loader.load_decoder(hp, w, /*qk_norm=*/false, /*post_norms=*/true);
    w.output = w.tok_embd;  // Gemma 2 always reuses the embeddings as the head
}

ggml_tensor * build_gemma2_graph(GraphBuilder & g) {
    ggml_tensor * x = g.name(ggml_scale(g.ctx, g.embed_tokens(), std::sqrt(static_cast<float>(g.hp.n_embd))), "inp_scaled");
    return g.output_head(g.decoder_layers(x, LayerStyle{GGML_ROPE_TYPE_NEOX, /*gelu_ffn=*/true}));
}

}  // namespace fathom
