// Gemma 3 (text): Gemma 2's sandwich blocks and scaled embeddings, plus per-head
// Q/K norms; five sliding-window layers for each global one (with their own RoPE
// base); no attention soft-capping, output soft-capping only if the file asks.
#include <cmath>

#include "architectures.h"
#include "gemma.h"
#include "gguf-file.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_gemma3_hparams(const GgufFile & file, Hparams & hp) {
    const std::string arch = hp.architecture;
    hp.n_swa = file.get_u32(arch + ".attention.sliding_window", 0);
    if (hp.n_swa > 0) hp.set_swa_period(file.get_u32(arch + ".attention.sliding_window_pattern", 6));
    hp.final_softcap = file.get_f32(arch + ".final_logit_softcapping", 0.0f);
    set_gemma_query_scale(hp, 62);
}

void load_gemma3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    loader.load_decoder(hp, w, /*qk_norm=*/true, /*post_norms=*/true);
}

ggml_tensor * build_gemma3_graph(GraphBuilder & g) {
    ggml_tensor * x = g.name(ggml_scale(g.ctx, g.embed_tokens(), std::sqrt(static_cast<float>(g.hp.n_embd))), "inp_scaled");
    return g.output_head(g.decoder_layers(x, LayerStyle{GGML_ROPE_TYPE_NEOX, /*gelu_ffn=*/true}));
}

}  // namespace fathom
