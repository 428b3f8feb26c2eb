// Hyperparameters of a decoder model, read from "<arch>.*" GGUF keys with the
// defaults llama.cpp applies when a key is absent. Shapes are validated here so
// that graph building never meets an impossible size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fathom {

class GgufFile;

struct Hparams {
    std::string architecture;
    uint32_t n_ctx_train = 0;  // context length the model was trained with
    uint32_t n_embd = 0;       // residual stream width
    uint32_t n_layer = 0;
    uint32_t n_ff = 0;  // FFN hidden width
    uint32_t n_head = 0;
    uint32_t n_head_kv = 0;      // < n_head for grouped-query attention
    uint32_t n_embd_head_k = 0;  // per-head key/query width
    uint32_t n_embd_head_v = 0;  // per-head value width
    uint32_t n_rot = 0;          // rotated dimensions per head
    uint32_t n_vocab = 0;
    float rope_freq_base = 10000.0f;
    float rope_freq_scale = 1.0f;
    uint32_t n_ctx_orig = 0;  // context length RoPE scaling was designed around (selects Phi-3's long/short factors)

    // Sliding-window attention (Gemma): layers with swa_layers[il] see only the last n_swa positions,
    // and rotate with their own RoPE base/scale.
    uint32_t n_swa = 0;
    std::vector<bool> swa_layers;
    float rope_freq_base_swa = 10000.0f;
    float rope_freq_scale_swa = 1.0f;
    float attn_softcap = 0.0f;   // tanh soft-capping of attention logits (0: off)
    float final_softcap = 0.0f;  // tanh soft-capping of output logits (0: off)
    float query_scale = 0.0f;    // scale queries before attention instead of 1/sqrt(head_dim) inside it (0: inside)

    bool is_swa(uint32_t il) const { return n_swa > 0 && il < swa_layers.size() && swa_layers[il]; }
    // Marks layers as sliding-window in a repeating pattern: the last of every `period` layers is global.
    void set_swa_period(uint32_t period);
    float norm_rms_eps = 1e-5f;
    // Encoders (BERT): LayerNorm epsilon, bidirectional attention, how the model pools tokens into one
    // vector (GGUF "<arch>.pooling_type": 0 none, 1 mean, 2 cls, 3 last), and token-type rows.
    float norm_eps = 1e-12f;
    bool causal = true;
    uint32_t pooling = 0;
    uint32_t n_token_types = 0;

    uint32_t n_embd_k_gqa() const { return n_embd_head_k * n_head_kv; }
    uint32_t n_embd_v_gqa() const { return n_embd_head_v * n_head_kv; }
};

// Throws Error(INVALID_GGUF) naming the key at fault.
Hparams load_hparams(const GgufFile & file, const std::string & architecture);

}  // namespace fathom
