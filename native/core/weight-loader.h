// Finding a model's weights in its GGUF file: tensors by name with their shapes and types
// checked, so that a malformed file fails here with a clear error rather than in a ggml
// assert; and the groups of weights architecture files combine.
#pragma once

#include <string>
#include <vector>

#include "gguf-file.h"
#include "hparams.h"
#include "weights.h"

namespace fathom {

class WeightLoader {
public:
    explicit WeightLoader(const GgufFile & file) : file_(file) {}
    // ne: expected dimensions, innermost first, e.g. {n_embd, n_vocab}. 1-D weights
    // (norms, biases) must be F32; matrices must be a type ggml's CPU can multiply.
    ggml_tensor * require(const std::string & name, std::vector<int64_t> ne) const;
    ggml_tensor * optional(const std::string & name, std::vector<int64_t> ne) const;
    static std::string block(int layer, const char * suffix) { return "blk." + std::to_string(layer) + "." + suffix; }

    // Shared groups of weights that architecture files combine.
    // Token embeddings, final norm and output head (tied to the embeddings when output.weight is absent).
    void load_head(const Hparams & hp, ModelWeights & w) const;
    // Attention: norm, Q/K/V (separate or fused) and output projections with optional biases;
    // Q/K norms when `qk_norm`.
    void load_attention(const Hparams & hp, int layer, LayerWeights & l, bool qk_norm) const;
    // Gated FFN: norm, gate and up (separate or fused), down.
    void load_gated_ffn(const Hparams & hp, int layer, LayerWeights & l) const;
    // Optional RoPE frequency factors.
    void load_rope_factors(const Hparams & hp, ModelWeights & w) const;
    // Norms applied to the attention and FFN outputs before the residual add.
    void load_post_norms(const Hparams & hp, int layer, LayerWeights & l) const;
    // A whole decoder: head, RoPE factors, and per layer attention (+ Q/K norms), post-norms if asked, gated FFN.
    void load_decoder(const Hparams & hp, ModelWeights & w, bool qk_norm, bool post_norms) const;

private:
    const GgufFile & file_;
};

}  // namespace fathom
