// See model.h.
#include "model.h"

#include "backends.h"
#include "error.h"
#include "ggml-alloc.h"
#include "models/architectures.h"
#include "release-memory.h"

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
        throw Error(codes::INVALID_GGUF, file_.path() + ": tensor '" + name + "' has shape " + shape_string(t->ne, ggml_n_dims(t)) +
                                             ", expected " + shape_string(ne.data(), (int)ne.size()));
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

std::vector<ggml_tensor **> ModelWeights::matmul_weights() {
    std::vector<ggml_tensor **> out;
    if (output && output != tok_embd) out.push_back(&output);  // a tied head also serves get_rows: keep it where it is
    for (LayerWeights & l : layers) {
        for (ggml_tensor ** w : {&l.wq, &l.wk, &l.wv, &l.wqkv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
            if (*w) out.push_back(w);
        }
    }
    return out;
}

std::vector<ggml_tensor **> LayerWeights::all() {
    std::vector<ggml_tensor **> out;
    for (ggml_tensor ** w : {&attn_norm, &wq, &wk, &wv, &wqkv, &bqkv, &wo, &bq, &bk, &bv, &bo, &attn_q_norm, &attn_k_norm, &attn_post_norm,
                             &ffn_post_norm, &ffn_norm, &ffn_gate, &ffn_up, &ffn_down, &ffn_up_b, &ffn_down_b, &attn_out_norm,
                             &attn_out_norm_b, &layer_out_norm, &layer_out_norm_b}) {
        if (*w) out.push_back(w);
    }
    return out;
}

// Puts copies of the weights in `slots` into one new buffer of type `buft` and points the slots at
// them; `ctx` and `buffer` receive what holds the copies. Setting the data is what converts it for
// the buffer type (repacking, or an upload to a GPU).
static void copy_weights(const GgufFile & file, const std::vector<ggml_tensor **> & slots, ggml_backend_buffer_type_t buft,
                         ggml_context *& ctx, ggml_backend_buffer_t & buffer, const char * what) {
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

Model::~Model() {
    if (gpu_buffer_) ggml_backend_buffer_free(gpu_buffer_);
    if (gpu_ctx_) ggml_free(gpu_ctx_);
    if (repack_buffer_) ggml_backend_buffer_free(repack_buffer_);
    if (repack_ctx_) ggml_free(repack_ctx_);
    if (weight_buffer_) ggml_backend_buffer_free(weight_buffer_);
}

}  // namespace fathom
