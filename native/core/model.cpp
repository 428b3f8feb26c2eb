// See model.h.
#include "model.h"

#include "error.h"
#include "ggml-cpu.h"
#include "models/architectures.h"

namespace fathom {

static std::string shape_string(const int64_t * ne, int n) {
    std::string s = "[";
    for (int i = 0; i < n; i++) s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "]";
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
    const bool usable = ne.size() == 1 ? t->type == GGML_TYPE_F32 : ggml_get_type_traits_cpu(t->type)->vec_dot != nullptr;
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

std::shared_ptr<Model> Model::load(const std::string & path) {
    std::shared_ptr<Model> model(new Model());
    model->file_ = std::make_unique<GgufFile>(path);
    const GgufFile & file = *model->file_;
    const std::string arch = file.get_string("general.architecture");
    model->architecture_ = find_architecture(arch);
    if (!model->architecture_) {
        throw Error(codes::UNSUPPORTED_ARCHITECTURE, path + ": architecture '" + arch + "' is not supported (supported: " + supported_architectures() + ")");
    }
    model->hparams_ = load_hparams(file, arch);
    WeightLoader loader(file);
    model->architecture_->load_weights(loader, model->hparams_, model->weights_);

    // One CPU buffer over the whole mapping; each tensor points at its bytes in the file.
    const MappedFile & mapping = file.mapping();
    model->weight_buffer_ = ggml_backend_cpu_buffer_from_ptr(const_cast<uint8_t *>(mapping.data()), mapping.size());
    if (!model->weight_buffer_) throw Error(codes::OUT_OF_MEMORY, path + ": cannot create a weight buffer");
    ggml_backend_buffer_set_usage(model->weight_buffer_, GGML_BACKEND_BUFFER_USAGE_WEIGHTS);
    for (ggml_tensor * t = ggml_get_first_tensor(file.meta()); t; t = ggml_get_next_tensor(file.meta(), t)) {
        ggml_backend_tensor_alloc(model->weight_buffer_, t, const_cast<uint8_t *>(file.tensor_data(t)));
        model->weight_bytes_ += ggml_nbytes(t);
    }
    return model;
}

Model::~Model() {
    if (weight_buffer_) ggml_backend_buffer_free(weight_buffer_);
}

}  // namespace fathom
