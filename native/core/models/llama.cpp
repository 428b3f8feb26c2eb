// The llama architecture (also Mistral-style files): pre-norm blocks of RMSNorm,
// RoPE attention with grouped KV heads, and a SwiGLU FFN; untied output head
// unless the file omits output.weight, in which case the embeddings are reused.
#include "architectures.h"
#include "graph.h"
#include "model.h"

namespace fathom {

void load_llama_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    const int64_t n_embd = hp.n_embd, n_vocab = hp.n_vocab;
    w.tok_embd = loader.require("token_embd.weight", {n_embd, n_vocab});
    w.output_norm = loader.require("output_norm.weight", {n_embd});
    w.output = loader.optional("output.weight", {n_embd, n_vocab});
    if (!w.output) w.output = w.tok_embd;  // tied embeddings
    w.layers.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        LayerWeights & l = w.layers[il];
        const int i = static_cast<int>(il);
        l.attn_norm = loader.require(WeightLoader::block(i, "attn_norm.weight"), {n_embd});
        l.wq = loader.require(WeightLoader::block(i, "attn_q.weight"), {n_embd, int64_t(hp.n_embd_head_k) * hp.n_head});
        l.wk = loader.require(WeightLoader::block(i, "attn_k.weight"), {n_embd, int64_t(hp.n_embd_k_gqa())});
        l.wv = loader.require(WeightLoader::block(i, "attn_v.weight"), {n_embd, int64_t(hp.n_embd_v_gqa())});
        l.wo = loader.require(WeightLoader::block(i, "attn_output.weight"), {int64_t(hp.n_embd_head_v) * hp.n_head, n_embd});
        l.ffn_norm = loader.require(WeightLoader::block(i, "ffn_norm.weight"), {n_embd});
        l.ffn_gate = loader.require(WeightLoader::block(i, "ffn_gate.weight"), {n_embd, int64_t(hp.n_ff)});
        l.ffn_up = loader.require(WeightLoader::block(i, "ffn_up.weight"), {n_embd, int64_t(hp.n_ff)});
        l.ffn_down = loader.require(WeightLoader::block(i, "ffn_down.weight"), {int64_t(hp.n_ff), n_embd});
    }
}

ggml_tensor * build_llama_graph(GraphBuilder & g) {
    ggml_tensor * x = g.embed_tokens();  // [n_embd, n_tokens]
    for (uint32_t il = 0; il < g.hp.n_layer; il++) {
        const int i = static_cast<int>(il);
        const LayerWeights & w = g.model.weights().layers[il];
        ggml_tensor * h = g.rms_norm(x, w.attn_norm, "attn_norm", i);
        h = g.self_attention(i, w, h, GGML_ROPE_TYPE_NORMAL);
        x = g.name(ggml_add(g.ctx, x, h), "ffn_inp", i);  // [n_embd, n_tokens]
        h = g.rms_norm(x, w.ffn_norm, "ffn_norm", i);
        h = g.ffn_swiglu(i, w, h);
        x = g.name(ggml_add(g.ctx, x, h), "l_out", i);  // [n_embd, n_tokens]
    }
    return g.output_head(x);
}

}  // namespace fathom
