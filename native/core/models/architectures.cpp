// See architectures.h.
#include "architectures.h"

#include "ggml.h"

namespace fathom {

static const Architecture ARCHITECTURES[] = {
    {"llama", nullptr, load_llama_weights, build_llama_graph},
    {"qwen2", nullptr, load_qwen2_weights, build_qwen2_graph},
    {"qwen3", nullptr, load_qwen3_weights, build_qwen3_graph},
    {"phi3", load_phi3_hparams, load_phi3_weights, build_phi3_graph},
    {"gemma2", load_gemma2_hparams, load_gemma2_weights, build_gemma2_graph},
    {"gemma3", load_gemma3_hparams, load_gemma3_weights, build_gemma3_graph},
    {"bert", load_bert_hparams, load_bert_weights, build_bert_graph, /*encoder=*/true},
};

const Architecture * find_architecture(const std::string & name) {
    for (const Architecture & a : ARCHITECTURES) {
        if (name == a.name) return &a;
    }
    return nullptr;
}

std::string supported_architectures() {
    std::string out;
    for (const Architecture & a : ARCHITECTURES) out += (out.empty() ? "" : ", ") + std::string(a.name);
    return out;
}

}  // namespace fathom
