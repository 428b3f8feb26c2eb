// A loaded model: hyperparameters and weights (the tokenizer is TypeScript's). Weights stay in the
// memory-mapped GGUF file and are handed to ggml in place. A Model is immutable
// after load and shared (shared_ptr) by every Context that runs it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ggml-backend.h"
#include "ggml.h"
#include "gguf-file.h"
#include "hparams.h"
#include "live-objects.h"

namespace fathom {

struct Architecture;

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

// Looks up weight tensors by GGUF name and checks their shapes, so that a
// malformed file fails here with a clear error rather than in a ggml assert.
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

struct LoadParams {
    // Transformer blocks whose weights (and KV cache) live on the first GPU ggml sees, counted from
    // the last block as llama.cpp does; more than the model has also moves the output head there.
    // Nothing moves when there is no GPU.
    int gpu_layers = 0;
};

class Model {
public:
    // Throws Error(FILE_NOT_FOUND | INVALID_GGUF | UNSUPPORTED_ARCHITECTURE | OUT_OF_MEMORY).
    static std::shared_ptr<Model> load(const std::string & path, const LoadParams & params = {});
    ~Model();

    const GgufFile & file() const { return *file_; }
    const Hparams & hparams() const { return hparams_; }
    const ModelWeights & weights() const { return weights_; }
    const Architecture & architecture() const { return *architecture_; }
    // The GPU holding offloaded blocks (null when none is), the first such block (n_layer when
    // none), and how many weights groups were moved: blocks, plus one for the output head.
    ggml_backend_dev_t gpu_device() const { return gpu_device_; }
    uint32_t first_gpu_layer() const { return first_gpu_layer_; }
    int gpu_layers() const { return gpu_layers_; }

private:
    Model() = default;
    LiveCount live_{LiveKind::Model};

    std::unique_ptr<GgufFile> file_;
    Hparams hparams_;
    ModelWeights weights_;
    const Architecture * architecture_ = nullptr;
    // Moves matmul weights ggml can repack for its SIMD GEMM into the CPU's extra buffer type.
    void repack_weights();
    // Copies the weights of the last `gpu_layers` blocks (and the head) into the GPU's memory.
    void offload_weights(int gpu_layers);

    ggml_backend_buffer_t weight_buffer_ = nullptr;
    ggml_context * repack_ctx_ = nullptr;
    ggml_backend_buffer_t repack_buffer_ = nullptr;
    ggml_backend_dev_t gpu_device_ = nullptr;
    uint32_t first_gpu_layer_ = 0;
    int gpu_layers_ = 0;
    ggml_context * gpu_ctx_ = nullptr;
    ggml_backend_buffer_t gpu_buffer_ = nullptr;
};

}  // namespace fathom
