// See weight-loader.h.
#include "weight-loader.h"

#include "error.h"

namespace fathom {

static std::string shape_string(const int64_t * ne, int n) {
    std::string s = "[";
    for (int i = 0; i < n; i++) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
}

// Whether ggml's CPU backend has a dot-product kernel for weights of this type. Asked of the type,
// not of the backend: in a prebuild the backend is a library whose type table is not exported.
// Every float and quantized storage type has one except the integer types and the two 8-bit
// formats ggml uses only for activations (Q8_1, Q8_K).
static bool has_matmul_kernel(ggml_type type) {
    if (type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16) return true;
    return ggml_is_quantized(type) && type != GGML_TYPE_Q8_1 && type != GGML_TYPE_Q8_K;
}

ggml_tensor * WeightLoader::optional(const std::string & name, std::vector<int64_t> ne) const {
    ggml_tensor * t = file_.tensor(name);
    if (!t) return nullptr;
    bool same = true;
    for (int i = 0; i < GGML_MAX_DIMS; i++) same = same && t->ne[i] == (i < (int)ne.size() ? ne[i] : 1);
    if (!same) {
        throw Error(codes::INVALID_GGUF, file_.path() + ": tensor '" + name + "' has shape " + shape_string(t->ne, ggml_n_dims(t)) + ", expected " +
                                             shape_string(ne.data(), (int)ne.size()));
    }
    // ggml aborts on element-wise ops with quantized vectors and on matmuls it has no kernel for.
    const bool usable = ne.size() == 1 ? t->type == GGML_TYPE_F32 : has_matmul_kernel(t->type);
    if (!usable) {
        throw Error(codes::INVALID_GGUF, file_.path() + ": tensor '" + name + "' has type " + ggml_type_name(t->type) + ", which cannot be used for " +
                                             (ne.size() == 1 ? "a 1-D weight (F32 expected)" : "a weight matrix"));
    }
    return t;
}

ggml_tensor * WeightLoader::require(const std::string & name, std::vector<int64_t> ne) const {
    ggml_tensor * t = optional(name, ne);
    if (!t) throw Error(codes::INVALID_GGUF, file_.path() + ": required tensor '" + name + "' is missing");
    return t;
}

void WeightLoader::load_head(const Hparams & hp, ModelWeights & w) const {
    const int64_t n_embd = hp.n_embd, n_vocab = hp.n_vocab;
    w.tok_embd = require("token_embd.weight", {n_embd, n_vocab});
    w.output_norm = require("output_norm.weight", {n_embd});
    w.output = optional("output.weight", {n_embd, n_vocab});
    if (!w.output) w.output = w.tok_embd;  // tied embeddings
}

void WeightLoader::load_attention(const Hparams & hp, int i, LayerWeights & l, bool qk_norm) const {
    const int64_t n_embd = hp.n_embd, n_q = int64_t(hp.n_embd_head_k) * hp.n_head;
    const int64_t n_k = hp.n_embd_k_gqa(), n_v = hp.n_embd_v_gqa(), n_out = int64_t(hp.n_embd_head_v) * hp.n_head;
    l.attn_norm = require(block(i, "attn_norm.weight"), {n_embd});
    l.wqkv = optional(block(i, "attn_qkv.weight"), {n_embd, n_q + n_k + n_v});
    if (l.wqkv) {
        l.bqkv = optional(block(i, "attn_qkv.bias"), {n_q + n_k + n_v});
    } else {
        l.wq = require(block(i, "attn_q.weight"), {n_embd, n_q});
        l.wk = require(block(i, "attn_k.weight"), {n_embd, n_k});
        l.wv = require(block(i, "attn_v.weight"), {n_embd, n_v});
        l.bq = optional(block(i, "attn_q.bias"), {n_q});
        l.bk = optional(block(i, "attn_k.bias"), {n_k});
        l.bv = optional(block(i, "attn_v.bias"), {n_v});
    }
    l.wo = require(block(i, "attn_output.weight"), {n_out, n_embd});
    l.bo = optional(block(i, "attn_output.bias"), {n_embd});
    if (qk_norm) {
        l.attn_q_norm = require(block(i, "attn_q_norm.weight"), {int64_t(hp.n_embd_head_k)});
        l.attn_k_norm = require(block(i, "attn_k_norm.weight"), {int64_t(hp.n_embd_head_k)});
    }
}

void WeightLoader::load_gated_ffn(const Hparams & hp, int i, LayerWeights & l) const {
    const int64_t n_embd = hp.n_embd, n_ff = hp.n_ff;
    l.ffn_norm = require(block(i, "ffn_norm.weight"), {n_embd});
    l.ffn_gate = optional(block(i, "ffn_gate.weight"), {n_embd, n_ff});
    l.ffn_up = require(block(i, "ffn_up.weight"), {n_embd, l.ffn_gate ? n_ff : 2 * n_ff});
    l.ffn_down = require(block(i, "ffn_down.weight"), {n_ff, n_embd});
}

void WeightLoader::load_post_norms(const Hparams & hp, int i, LayerWeights & l) const {
    l.attn_post_norm = require(block(i, "post_attention_norm.weight"), {int64_t(hp.n_embd)});
    l.ffn_post_norm = require(block(i, "post_ffw_norm.weight"), {int64_t(hp.n_embd)});
}

void WeightLoader::load_decoder(const Hparams & hp, ModelWeights & w, bool qk_norm, bool post_norms) const {
    load_head(hp, w);
    load_rope_factors(hp, w);
    w.layers.resize(hp.n_layer);
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        const int i = static_cast<int>(il);
        load_attention(hp, i, w.layers[il], qk_norm);
        if (post_norms) load_post_norms(hp, i, w.layers[il]);
        load_gated_ffn(hp, i, w.layers[il]);
    }
}

void WeightLoader::load_rope_factors(const Hparams & hp, ModelWeights & w) const {
    const int64_t n = hp.n_rot / 2;
    w.rope_freqs = optional("rope_freqs.weight", {n});
    w.rope_short = optional("rope_factors_short.weight", {n});
    w.rope_long = optional("rope_factors_long.weight", {n});
}

}  // namespace fathom
