// The weights of a model as the graph reads them: one struct per transformer block and one
// for the whole model, each pointer a tensor of the GGUF file (or its repacked or GPU copy).
// An architecture fills the ones it uses; absent ones stay null.
#pragma once

#include <vector>

#include "ggml.h"

namespace fathom {

// Weights of one transformer block; an architecture fills the ones it uses.
struct LayerWeights {
    ggml_tensor * attn_norm = nullptr;
    ggml_tensor * wq = nullptr;
    ggml_tensor * wk = nullptr;
    ggml_tensor * wv = nullptr;
    ggml_tensor * wqkv = nullptr;  // Q, K and V fused in one matrix (Phi-3), instead of wq/wk/wv
    ggml_tensor * bqkv = nullptr;
    ggml_tensor * wo = nullptr;
    ggml_tensor * bq = nullptr;  // optional biases (Qwen2)
    ggml_tensor * bk = nullptr;
    ggml_tensor * bv = nullptr;
    ggml_tensor * bo = nullptr;
    ggml_tensor * attn_q_norm = nullptr;  // per-head RMSNorm of queries and keys (Qwen3, Gemma 3)
    ggml_tensor * attn_k_norm = nullptr;
    ggml_tensor * attn_post_norm = nullptr;  // norms of the attention and FFN outputs (Gemma)
    ggml_tensor * ffn_post_norm = nullptr;
    ggml_tensor * ffn_norm = nullptr;
    ggml_tensor * ffn_gate = nullptr;  // absent when ffn_up holds gate and up side by side (Phi-3)
    ggml_tensor * ffn_up = nullptr;
    ggml_tensor * ffn_down = nullptr;
    // Encoder (BERT) blocks: biases of the FFN, and post-norm LayerNorms (weight + bias).
    ggml_tensor * ffn_up_b = nullptr;
    ggml_tensor * ffn_down_b = nullptr;
    ggml_tensor * attn_out_norm = nullptr;
    ggml_tensor * attn_out_norm_b = nullptr;
    ggml_tensor * layer_out_norm = nullptr;
    ggml_tensor * layer_out_norm_b = nullptr;

    // Every weight of the block that the file has.
    std::vector<ggml_tensor **> all();
};

struct ModelWeights {
    ggml_tensor * tok_embd = nullptr;
    ggml_tensor * output_norm = nullptr;
    ggml_tensor * output = nullptr;
    // RoPE frequency factors: one set (Llama 3.1+ scaling), or short/long sets chosen by context size (Phi-3 LongRoPE).
    ggml_tensor * rope_freqs = nullptr;
    ggml_tensor * rope_short = nullptr;
    ggml_tensor * rope_long = nullptr;
    // Encoders (BERT): learned positions, token-type rows, and the embeddings' LayerNorm.
    ggml_tensor * pos_embd = nullptr;
    ggml_tensor * type_embd = nullptr;
    ggml_tensor * tok_norm = nullptr;
    ggml_tensor * tok_norm_b = nullptr;
    std::vector<LayerWeights> layers;

    // Every weight used as the left side of a matrix multiplication (candidates for repacking).
    std::vector<ggml_tensor **> matmul_weights();
};

}  // namespace fathom
