// A running state of a model: its KV cache, CPU backend (thread count) and
// graph scheduler. decode() appends tokens to the sequence and returns the
// logits of the last one. One Context is used by one thread at a time.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "ggml-backend.h"
#include "ggml-cpu.h"
#include "kv-cache.h"
#include "token.h"

namespace fathom {

class Model;

struct ContextParams {
    uint32_t n_ctx = 0;      // 0: the model's training context length
    uint32_t n_batch = 512;  // longest single graph; longer prompts are split
    int n_threads = 1;
    // Fused attention kernel (what llama.cpp uses on CPU by default); off gives the plain
    // softmax(QK)·V path whose attention probabilities are graph tensors.
    bool flash_attn = true;
};

class Context {
public:
    // Throws Error(INVALID_ARGUMENT | OUT_OF_MEMORY).
    Context(std::shared_ptr<const Model> model, const ContextParams & params);
    ~Context();
    Context(const Context &) = delete;
    Context & operator=(const Context &) = delete;

    // Evaluates `tokens` at positions n_past().. and returns the last token's logits [n_vocab].
    // Throws Error(INVALID_ARGUMENT | CONTEXT_FULL | COMPUTE_FAILED); `abort` (if set) stops compute early.
    const std::vector<float> & decode(const std::vector<Token> & tokens, const std::atomic<bool> * abort = nullptr);
    // Keeps the first n cached positions (a shared prefix) and forgets the rest.
    void truncate(uint32_t n) { cache_.set_used(std::min(n, cache_.used())); }
    uint32_t n_past() const { return cache_.used(); }
    uint32_t n_ctx() const { return cache_.size(); }
    void set_threads(int n_threads);
    const Model & model() const { return *model_; }

private:
    void decode_batch(const Token * tokens, uint32_t n_tokens);
    void release();

    std::shared_ptr<const Model> model_;
    ContextParams params_;
    KvCache cache_;
    ggml_backend_t backend_ = nullptr;
    ggml_threadpool_t threadpool_ = nullptr;
    ggml_backend_sched_t sched_ = nullptr;
    size_t graph_size_;
    std::vector<uint8_t> graph_meta_;  // tensor/graph descriptors of the graph being built
    std::vector<float> logits_;
    std::vector<float> mask_;
    std::vector<ggml_fp16_t> mask_f16_;
    std::vector<int32_t> positions_;
    const std::atomic<bool> * abort_ = nullptr;
};

}  // namespace fathom
