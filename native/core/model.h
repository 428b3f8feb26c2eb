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
#include "weight-loader.h"
#include "weights.h"

namespace fathom {

struct Architecture;

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
    std::string gpu_device_name() const;  // "" when no GPU holds anything
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
