// See model.h.
#include "model.h"

#include "backends.h"
#include "error.h"
#include "ggml-alloc.h"
#include "models/architectures.h"
#include "release-memory.h"

namespace fathom {

static void copy_weights(const GgufFile & file, const std::vector<ggml_tensor **> & slots, ggml_backend_buffer_type_t buft, ggml_context *& ctx,
                         ggml_backend_buffer_t & buffer, const char * what) {
    if (slots.empty()) return;
    ggml_init_params params = {ggml_tensor_overhead() * slots.size(), nullptr, /*no_alloc=*/true};
    ctx = ggml_init(params);
    if (!ctx) throw Error(codes::OUT_OF_MEMORY, std::string("cannot create the context for ") + what);
    std::vector<ggml_tensor *> originals;
    for (ggml_tensor ** slot : slots) {
        originals.push_back(*slot);
        *slot = ggml_dup_tensor(ctx, *slot);
        ggml_set_name(*slot, ggml_get_name(originals.back()));
    }
    buffer = ggml_backend_alloc_ctx_tensors_from_buft(ctx, buft);
    if (!buffer) throw Error(codes::OUT_OF_MEMORY, file.path() + ": cannot allocate memory for " + what);
    ggml_backend_buffer_set_usage(buffer, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    for (size_t i = 0; i < slots.size(); i++) ggml_backend_tensor_set(*slots[i], file.tensor_data(originals[i]), 0, ggml_nbytes(originals[i]));
}

// Whether ggml's CPU device can run a matmul with `w` stored in `buft` (asked the way ggml wants:
// through a dummy op whose weight sits in an empty buffer of that type).
static bool matmul_supported_in(ggml_tensor * w, ggml_backend_buffer_type_t buft, ggml_backend_dev_t dev) {
    ggml_init_params params = {ggml_tensor_overhead() * 4, nullptr, /*no_alloc=*/true};
    ggml_context * ctx = ggml_init(params);
    if (!ctx) return false;
    ggml_tensor * input = ggml_new_tensor_4d(ctx, GGML_TYPE_F32, w->ne[0], 512, w->ne[2], w->ne[3]);  // [n_in, 512 tokens]
    ggml_tensor * op = ggml_mul_mat(ctx, w, input);
    w->buffer = ggml_backend_buft_alloc_buffer(buft, 0);
    const bool supported = w->buffer && ggml_backend_dev_supports_op(dev, op);
    if (w->buffer) ggml_backend_buffer_free(w->buffer);
    w->buffer = nullptr;
    ggml_free(ctx);
    return supported;
}

void Model::repack_weights() {
    ggml_backend_dev_t cpu = cpu_backend().device;
    ggml_backend_buffer_type_t * extra = cpu_backend().get_extra_bufts ? cpu_backend().get_extra_bufts(cpu) : nullptr;
    if (!extra || !*extra) return;
    ggml_backend_buffer_type_t buft = *extra;  // the CPU backend has one: weights repacked for its GEMM kernels

    std::vector<ggml_tensor **> moved;
    for (ggml_tensor ** slot : weights_.matmul_weights()) {
        // Weights already on a GPU have a buffer; the rest still only point into the file.
        if (!(*slot)->buffer && matmul_supported_in(*slot, buft, cpu)) moved.push_back(slot);
    }
    copy_weights(*file_, moved, buft, repack_ctx_, repack_buffer_, "the repacked weights");
}

void Model::offload_weights(int gpu_layers) {
    const uint32_t n_layer = hparams_.n_layer;
    first_gpu_layer_ = n_layer;
    if (gpu_layers <= 0) return;
    for (size_t i = 0; i < ggml_backend_dev_count() && !gpu_device_; i++) {
        if (ggml_backend_dev_type(ggml_backend_dev_get(i)) == GGML_BACKEND_DEVICE_TYPE_GPU) gpu_device_ = ggml_backend_dev_get(i);
    }
    for (size_t i = 0; i < ggml_backend_dev_count() && !gpu_device_; i++) {
        if (ggml_backend_dev_type(ggml_backend_dev_get(i)) == GGML_BACKEND_DEVICE_TYPE_IGPU) gpu_device_ = ggml_backend_dev_get(i);
    }
    if (!gpu_device_) return;  // as llama.cpp: without a GPU everything runs on the CPU
    const uint32_t blocks = std::min<uint32_t>(uint32_t(gpu_layers), n_layer);
    first_gpu_layer_ = n_layer - blocks;
    std::vector<ggml_tensor **> moved;
    for (uint32_t il = first_gpu_layer_; il < n_layer; il++) {
        for (ggml_tensor ** w : weights_.layers[il].all()) moved.push_back(w);
    }
    const size_t block_weights = moved.size();
    if (uint32_t(gpu_layers) > n_layer) {
        if (weights_.output_norm) moved.push_back(&weights_.output_norm);
        // A head tied to the token embeddings stays with them on the CPU (they are looked up by row).
        if (weights_.output && weights_.output != weights_.tok_embd) moved.push_back(&weights_.output);
    }
    gpu_layers_ = int(blocks) + (moved.size() > block_weights ? 1 : 0);
    copy_weights(*file_, moved, ggml_backend_dev_buffer_type(gpu_device_), gpu_ctx_, gpu_buffer_, "the weights offloaded to the GPU");
}

std::shared_ptr<Model> Model::load(const std::string & path, const LoadParams & params) {
    std::shared_ptr<Model> model(new Model(), DeleteAndRelease());
    model->file_ = std::make_unique<GgufFile>(path);
    const GgufFile & file = *model->file_;
    const std::string arch = file.get_string("general.architecture");
    model->architecture_ = find_architecture(arch);
    if (!model->architecture_) {
        throw Error(codes::UNSUPPORTED_ARCHITECTURE, path + ": architecture '" + arch + "' is not supported (supported: " + supported_architectures() + ")");
    }
    model->hparams_ = load_hparams(file, arch);
    if (model->architecture_->load_hparams) model->architecture_->load_hparams(file, model->hparams_);
    WeightLoader loader(file);
    model->architecture_->load_weights(loader, model->hparams_, model->weights_);

    // One CPU buffer over the whole mapping; each tensor points at its bytes in the file.
    const MappedFile & mapping = file.mapping();
    model->weight_buffer_ = ggml_backend_cpu_buffer_from_ptr(const_cast<uint8_t *>(mapping.data()), mapping.size());
    if (!model->weight_buffer_) throw Error(codes::OUT_OF_MEMORY, path + ": cannot create a weight buffer");
    ggml_backend_buffer_set_usage(model->weight_buffer_, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    if (params.gpu_layers < 0) throw Error(codes::INVALID_ARGUMENT, "gpuLayers must be 0 or more, got " + std::to_string(params.gpu_layers));
    model->offload_weights(params.gpu_layers);
    model->repack_weights();
    for (ggml_tensor * t = ggml_get_first_tensor(file.meta()); t; t = ggml_get_next_tensor(file.meta(), t)) {
        ggml_backend_tensor_alloc(model->weight_buffer_, t, const_cast<uint8_t *>(file.tensor_data(t)));
    }
    return model;
}

std::string Model::gpu_device_name() const { return gpu_device_ ? ggml_backend_dev_name(gpu_device_) : ""; }

Model::~Model() {
    if (gpu_buffer_) ggml_backend_buffer_free(gpu_buffer_);
    if (gpu_ctx_) ggml_free(gpu_ctx_);
    if (repack_buffer_) ggml_backend_buffer_free(repack_buffer_);
    if (repack_ctx_) ggml_free(repack_ctx_);
    if (weight_buffer_) ggml_backend_buffer_free(weight_buffer_);
}

}  // namespace fathom
