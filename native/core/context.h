// A running state of a model: its KV cache (one region per sequence), CPU backend
// (thread count) and graph scheduler. decode() appends tokens to any number of
// sequences in one pass and returns the logits of the rows asked for.
// One Context is used by one thread at a time.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "batch.h"
#include "control-vector.h"
#include "ggml-backend.h"
#include "graph-inputs.h"
#include "kv-cache.h"
#include "live-objects.h"
#include "token.h"

namespace fathom {

class Model;

struct ContextParams {
    uint32_t n_ctx = 0;      // positions per sequence; 0: the model's training context length
    uint32_t n_seq = 1;      // sequences decoded side by side, each with its own n_ctx positions
    uint32_t n_batch = 512;  // most tokens in one graph; longer batches are split
    int n_threads = 1;
    // Fused attention kernel (what llama.cpp uses on CPU by default); off gives the plain
    // softmax(QK)·V path whose attention probabilities are graph tensors.
    bool flash_attn = true;
};

// Logits of a batch, one row of n_vocab per output: each input's rows are
// contiguous and in input order (1 row, or one per token with all_logits).
struct BatchLogits {
    uint32_t n_vocab = 0;
    std::vector<float> data;          // [n_outputs * n_vocab]
    std::vector<uint32_t> first_row;  // per input
    const float * row(size_t i) const { return data.data() + i * n_vocab; }
};

// Tensors to copy out of an inspected pass, by layer.
struct Capture {
    std::vector<uint32_t> hidden_layers;     // residual stream after the layer: [n_tokens * n_embd]
    std::vector<uint32_t> attention_layers;  // attention probabilities: [n_head * n_tokens * n_tokens]
    // The per-token embeddings: the final norm's output (decoders, as llama.cpp's embeddings),
    // or the last block's output (encoders): [n_tokens * n_embd].
    bool embeddings = false;
    // Every row's logits too (without them the output head is not built at all).
    bool logits = false;
};
struct Captured {
    std::vector<std::vector<float>> hidden;     // parallel to Capture::hidden_layers
    std::vector<std::vector<float>> attention;  // parallel to Capture::attention_layers
    std::vector<float> embeddings;
};

class Context {
public:
    // Throws Error(INVALID_ARGUMENT | OUT_OF_MEMORY).
    Context(std::shared_ptr<const Model> model, const ContextParams & params);
    ~Context();
    Context(const Context &) = delete;
    Context & operator=(const Context &) = delete;

    // Appends each input's tokens to its sequence (distinct sequences) and computes their logits.
    // Throws Error(INVALID_ARGUMENT | CONTEXT_FULL | COMPUTE_FAILED | ABORTED); a failed batch
    // leaves every sequence as it was. `abort` (if set) stops compute early.
    const BatchLogits & decode(const std::vector<SequenceInput> & batch, const std::atomic<bool> * abort = nullptr, const ControlVector * control = nullptr);
    // Evaluates one sequence's tokens (from position 0 of an emptied sequence) in a single graph,
    // with every row's logits, and copies out the captured hidden states and attention probabilities
    // (those layers take the plain attention path). Throws as decode(), and INVALID_ARGUMENT for bad layers.
    const BatchLogits & inspect(uint32_t seq, const std::vector<Token> & tokens, const Capture & capture, Captured & out,
                                const std::atomic<bool> * abort = nullptr, const ControlVector * control = nullptr);
    // Final norm and output head over hidden states [n_rows * n_embd]: logits [n_rows * n_vocab].
    std::vector<float> logit_lens(const std::vector<float> & hidden, uint32_t n_rows);
    // Keeps the first n positions of a sequence (a shared prefix) and forgets the rest.
    void truncate(uint32_t seq, uint32_t n);
    uint32_t n_past(uint32_t seq) const { return cache_.used(seq); }
    uint32_t n_ctx() const { return cache_.seq_size(); }
    uint32_t n_seq() const { return cache_.n_seq(); }
    uint32_t n_batch() const { return params_.n_batch; }
    void set_threads(int n_threads);
    const Model & model() const { return *model_; }

private:
    void validate(const std::vector<SequenceInput> & batch) const;
    // What one graph also does besides producing logits.
    struct GraphExtras {
        const ControlVector * control = nullptr;
        const Capture * capture = nullptr;
        Captured * captured = nullptr;
    };
    // Runs the placed batch_ as graphs of at most graph_tokens; a failure leaves every sequence as it was.
    void decode_batch(const std::atomic<bool> * abort, uint32_t graph_tokens, const GraphExtras & extras);
    // One graph over `slots` (a piece of the batch). plan_only: schedules and allocates it without running it.
    void decode_graph(const TokenSlot * slots, const GraphPiece & piece, const GraphExtras & extras, bool plan_only = false);
    // The graph memory: tensor and node metadata of one graph at a time, in graph_meta_.
    using GraphMemory = std::unique_ptr<ggml_context, decltype(&ggml_free)>;
    GraphMemory graph_memory();
    // Schedules and allocates the graph `build` makes (it may be called twice; the last call's graph is
    // the one allocated); `variant` names its topology (see the .cpp).
    // A template, not std::function: the build closure is made for every graph, and must not allocate.
    template <typename Build>
    bool allocate(const std::string & variant, const Build & build);
    void release();

    LiveCount live_{LiveKind::Context};
    std::shared_ptr<const Model> model_;
    ContextParams params_;
    KvCache cache_;
    ggml_backend_t backend_ = nullptr;      // the CPU
    ggml_backend_t gpu_backend_ = nullptr;  // when the model has blocks on a GPU
    ggml_threadpool_t threadpool_ = nullptr;
    int threadpool_threads_ = 0;
    ggml_backend_sched_t sched_ = nullptr;
    size_t graph_size_;
    size_t weight_bytes_ = 0;          // the model's tensor data, read once per token
    std::string plan_variant_;         // the graph variant the allocator's current plan was made for
    std::vector<uint8_t> graph_meta_;  // tensor/graph descriptors of the graph being built
    BatchLogits logits_;
    // The batch being decoded and its input values, kept to avoid allocations per token.
    Batch batch_;
    InputStaging staging_;
    const std::atomic<bool> * abort_ = nullptr;
};

}  // namespace fathom
