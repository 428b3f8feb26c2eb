// The table of supported architectures. Adding one means one file in this
// folder (weights + graph wiring of the shared blocks in graph.h) and one row.
#pragma once

#include <string>

#include "ggml.h"

namespace fathom {

class GgufFile;
class GraphBuilder;
class WeightLoader;
struct Hparams;
struct ModelWeights;

struct Architecture {
    const char * name;  // general.architecture
    // Architecture-specific hyperparameters on top of the common ones (may be null).
    void (*load_hparams)(const GgufFile & file, Hparams & hp);
    void (*load_weights)(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
    // Builds the forward pass and returns the logits [n_vocab, n_outputs], or for an encoder the
    // last block's output [n_embd, n_tokens].
    ggml_tensor * (*build_graph)(GraphBuilder & g);
    // An encoder-only embedding model (BERT): bidirectional attention, no logits, so it embeds
    // but cannot generate or score.
    bool encoder = false;
};

const Architecture * find_architecture(const std::string & name);
std::string supported_architectures();

// One pair per architecture file.
void load_llama_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
ggml_tensor * build_llama_graph(GraphBuilder & g);
void load_qwen2_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
ggml_tensor * build_qwen2_graph(GraphBuilder & g);
void load_qwen3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
ggml_tensor * build_qwen3_graph(GraphBuilder & g);
void load_phi3_hparams(const GgufFile & file, Hparams & hp);
void load_phi3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
ggml_tensor * build_phi3_graph(GraphBuilder & g);
void load_gemma2_hparams(const GgufFile & file, Hparams & hp);
void load_gemma2_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
ggml_tensor * build_gemma2_graph(GraphBuilder & g);
void load_gemma3_hparams(const GgufFile & file, Hparams & hp);
void load_gemma3_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
ggml_tensor * build_gemma3_graph(GraphBuilder & g);
void load_bert_hparams(const GgufFile & file, Hparams & hp);
void load_bert_weights(const WeightLoader & loader, const Hparams & hp, ModelWeights & weights);
ggml_tensor * build_bert_graph(GraphBuilder & g);

}  // namespace fathom
