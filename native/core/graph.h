// Builds one forward pass as a ggml graph: the inputs (token ids, positions,
// causal mask) and the blocks every decoder architecture is made of (norms, RoPE,
// attention over the KV cache, gated FFN, output head). Architecture files wire
// these blocks; they never touch ggml_backend or the scheduler.
// Every intermediate tensor gets a stable name ("blk.3.attn_out"): the
// introspection API reads tensors by these names, so they are a public contract.
#pragma once

#include <cstdint>
#include <vector>

#include "ggml.h"
#include "graph-inputs.h"

namespace fathom {

class Model;
class KvCache;
struct Hparams;
struct LayerWeights;

// How the layers of a decoder stack are wired (what differs between architectures).
struct LayerStyle {
    int rope_mode = 0;      // GGML_ROPE_TYPE_NORMAL or _NEOX
    bool gelu_ffn = false;  // GELU-gated FFN (Gemma) instead of SiLU-gated
};

class GraphBuilder {
public:
    GraphBuilder(ggml_context * ctx, ggml_cgraph * graph, const Model & model, KvCache & cache, const GraphShape & shape);

    const Model & model;
    const Hparams & hp;
    ggml_context * const ctx;
    ggml_cgraph * const graph;
    const GraphShape shape;
    const uint32_t n_tokens;
    GraphInputs inputs;

    // [n_embd, n_tokens] rows of the token embedding matrix.
    ggml_tensor * embed_tokens();
    ggml_tensor * rms_norm(ggml_tensor * x, ggml_tensor * weight, const char * name, int layer);
    // LayerNorm (mean and variance) with a gain and a bias.
    ggml_tensor * layer_norm(ggml_tensor * x, ggml_tensor * weight, ggml_tensor * bias, const char * name, int layer);
    // w·x (+ b).
    ggml_tensor * linear(ggml_tensor * w, ggml_tensor * b, ggml_tensor * x);
    // x: [head_dim, n_heads, n_tokens], rotated in place of the first n_rot dims per head.
    ggml_tensor * rope(ggml_tensor * x, int mode, int layer);
    // Multi-head attention with grouped KV heads; stores k/v in the cache.
    // q: [head_dim_k, n_head, n_tokens], k: [head_dim_k, n_head_kv, n_tokens], v: [n_embd_v_gqa, n_tokens].
    // Returns [n_embd_head_v * n_head, n_tokens], before the output projection.
    ggml_tensor * attention(int layer, ggml_tensor * q, ggml_tensor * k, ggml_tensor * v);
    // The attention sub-block of a llama-style layer: projections (+ biases), optional per-head
    // Q/K norms, RoPE, attention, output projection (+ bias).
    ggml_tensor * self_attention(int layer, const LayerWeights & w, ggml_tensor * x, int rope_mode);
    // A pre-norm decoder stack: x + attention(norm(x)), then + gated FFN(norm(.)), per layer;
    // outputs are normed again before each add when the layer has post-norms (Gemma).
    ggml_tensor * decoder_layers(ggml_tensor * x, const LayerStyle & style);
    // Gated feed-forward: down(act(gate(x)) * up(x)), act = SiLU or GELU.
    ggml_tensor * ffn_gated(int layer, const LayerWeights & w, ggml_tensor * x, bool gelu);
    // Final norm and head over the rows that need logits ([n_embd, n_outputs] in).
    // Returns [n_vocab, n_outputs] named "result_output".
    ggml_tensor * output_head(ggml_tensor * x);
    // The rows of a [n, n_tokens] tensor that need logits, as [n, n_outputs].
    ggml_tensor * output_rows(ggml_tensor * x);

    ggml_tensor * name(ggml_tensor * t, const char * name, int layer = -1);

private:
    KvCache & cache_;
};

}  // namespace fathom
