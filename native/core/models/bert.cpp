// BERT (encoder-only embedding models, e.g. bge, MiniLM): token + position +
// token-type embeddings, LayerNorm; post-norm blocks of bidirectional attention
// (no RoPE) and a GELU FFN with biases. The output is the last block's hidden
// states, which the caller pools into one vector (mean, CLS, ...).
#include "architectures.h"
#include "error.h"
#include "gguf-file.h"
#include "graph.h"
#include "hparams.h"
#include "model.h"

namespace fathom {

void load_bert_hparams(const GgufFile & file, Hparams & hp) {
    hp.norm_eps = file.get_f32("bert.attention.layer_norm_epsilon", 1e-12f);
    if (!(hp.norm_eps > 0)) throw Error(codes::INVALID_GGUF, file.path() + ": bert.attention.layer_norm_epsilon must be positive");
    hp.causal = false;
    hp.n_token_types = file.get_u32("tokenizer.ggml.token_type_count", 2);
}

void load_bert_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & w) {
    const int64_t n_embd = hp.n_embd, n_ff = hp.n_ff, n_kv = hp.n_embd_k_gqa();
    using L = WeightLoader;
    w.tok_embd = loader.require("token_embd.weight", {n_embd, hp.n_vocab});
    w.type_embd = loader.optional("token_types.weight", {n_embd, int64_t(hp.n_token_types)});
    // Its first row is added to every token: that add needs F32 or F16 (llama.cpp never quantizes it).
    if (w.type_embd && w.type_embd->type != GGML_TYPE_F32 && w.type_embd->type != GGML_TYPE_F16) {
        throw Error(codes::INVALID_GGUF, std::string("token_types.weight is ") + ggml_type_name(w.type_embd->type) + "; a BERT model needs it in F32 or F16");
    }
    w.pos_embd = loader.require("position_embd.weight", {n_embd, hp.n_ctx_train});
    w.tok_norm = loader.require("token_embd_norm.weight", {n_embd});
    w.tok_norm_b = loader.require("token_embd_norm.bias", {n_embd});
    w.layers.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        const int i = static_cast<int>(il);
        LayerWeights & l = w.layers[il];
        l.wq = loader.require(L::block(i, "attn_q.weight"), {n_embd, n_embd});
        l.wk = loader.require(L::block(i, "attn_k.weight"), {n_embd, n_kv});
        l.wv = loader.require(L::block(i, "attn_v.weight"), {n_embd, n_kv});
        l.bq = loader.optional(L::block(i, "attn_q.bias"), {n_embd});
        l.bk = loader.optional(L::block(i, "attn_k.bias"), {n_kv});
        l.bv = loader.optional(L::block(i, "attn_v.bias"), {n_kv});
        l.wo = loader.require(L::block(i, "attn_output.weight"), {n_embd, n_embd});
        l.bo = loader.optional(L::block(i, "attn_output.bias"), {n_embd});
        l.attn_out_norm = loader.require(L::block(i, "attn_output_norm.weight"), {n_embd});
        l.attn_out_norm_b = loader.require(L::block(i, "attn_output_norm.bias"), {n_embd});
        l.ffn_up = loader.require(L::block(i, "ffn_up.weight"), {n_embd, n_ff});
        l.ffn_up_b = loader.optional(L::block(i, "ffn_up.bias"), {n_ff});
        l.ffn_down = loader.require(L::block(i, "ffn_down.weight"), {n_ff, n_embd});
        l.ffn_down_b = loader.optional(L::block(i, "ffn_down.bias"), {n_embd});
        l.layer_out_norm = loader.require(L::block(i, "layer_output_norm.weight"), {n_embd});
        l.layer_out_norm_b = loader.require(L::block(i, "layer_output_norm.bias"), {n_embd});
    }
}

ggml_tensor * build_bert_graph(GraphBuilder & g) {
    const Hparams & hp = g.hp;
    const ModelWeights & w = g.model.weights();
    ggml_context * ctx = g.ctx;
    ggml_tensor * x = g.embed_tokens();  // [n_embd, n_tokens]
    // Every token is "sentence A" (token type 0), as llama.cpp does.
    if (w.type_embd) {
        ggml_tensor * type_row = ggml_view_1d(ctx, w.type_embd, hp.n_embd, 0);  // [n_embd]
        if (type_row->type != GGML_TYPE_F32) type_row = ggml_cast(ctx, type_row, GGML_TYPE_F32);
        x = ggml_add(ctx, x, type_row);
    }
    x = ggml_add(ctx, x, ggml_get_rows(ctx, w.pos_embd, g.inputs.positions));
    x = g.layer_norm(x, w.tok_norm, w.tok_norm_b, "inp_norm", -1);  // [n_embd, n_tokens]
    const int64_t head = hp.n_embd_head_k, n_tokens = g.n_tokens;
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        const int i = static_cast<int>(il);
        const LayerWeights & l = w.layers[il];
        ggml_tensor * q = ggml_reshape_3d(ctx, g.name(g.linear(l.wq, l.bq, x), "q", i), head, hp.n_head, n_tokens);     // [head_dim, n_head, n_tokens]
        ggml_tensor * k = ggml_reshape_3d(ctx, g.name(g.linear(l.wk, l.bk, x), "k", i), head, hp.n_head_kv, n_tokens);  // [head_dim, n_head_kv, n_tokens]
        ggml_tensor * v = g.name(g.linear(l.wv, l.bv, x), "v", i);                                                      // [n_embd_v_gqa, n_tokens]
        ggml_tensor * attn = g.name(g.linear(l.wo, l.bo, g.attention(i, q, k, v)), "attn_out", i);                      // [n_embd, n_tokens]
        x = g.layer_norm(ggml_add(ctx, attn, x), l.attn_out_norm, l.attn_out_norm_b, "attn_out_norm", i);
        ggml_tensor * ffn = g.linear(l.ffn_down, l.ffn_down_b, g.name(ggml_gelu(ctx, g.linear(l.ffn_up, l.ffn_up_b, x)), "ffn_act", i));
        x = g.layer_norm(ggml_add(ctx, g.name(ffn, "ffn_out", i), x), l.layer_out_norm, l.layer_out_norm_b, "l_out", i);  // [n_embd, n_tokens]
    }
    return x;  // the last block's output, "blk.<n_layer-1>.l_out": what embeddings pool
}

}  // namespace fathom
