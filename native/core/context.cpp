// See context.h.
#include "context.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "error.h"
#include "ggml-cpu.h"
#include "ggml-log.h"
#include "graph.h"
#include "hparams.h"
#include "model.h"
#include "models/architectures.h"

namespace fathom {

static uint32_t resolve_n_ctx(const Model & model, uint32_t requested) {
    const uint32_t n = requested ? requested : model.hparams().n_ctx_train;
    if (n == 0 || n > (1u << 24)) throw Error(codes::INVALID_ARGUMENT, "contextSize must be between 1 and 16777216, got " + std::to_string(n));
    return n;
}

Context::Context(std::shared_ptr<const Model> model, const ContextParams & params)
    : model_(std::move(model)), params_(params), cache_(model_->hparams(), resolve_n_ctx(*model_, params.n_ctx), !params.flash_attn) {
    if (params_.n_batch == 0) throw Error(codes::INVALID_ARGUMENT, "batch size must be positive");
    try {
        backend_ = ggml_backend_cpu_init();
        if (!backend_) throw Error(codes::OUT_OF_MEMORY, "cannot start the CPU backend");
        set_threads(params_.n_threads);
        ggml_backend_cpu_set_abort_callback(
            backend_, [](void * data) { auto * self = static_cast<Context *>(data); return self->abort_ && self->abort_->load(); }, this);
        // Room for every node of the largest graph: ~40 per layer, plus the head.
        graph_size_ = std::max<size_t>(1024, 64 * model_->hparams().n_layer + 64);
        graph_meta_.resize(ggml_tensor_overhead() * graph_size_ + ggml_graph_overhead_custom(graph_size_, false));
        sched_ = ggml_backend_sched_new(&backend_, nullptr, 1, graph_size_, false, false);
        if (!sched_) throw Error(codes::OUT_OF_MEMORY, "cannot create the graph scheduler");
    } catch (...) {
        release();  // a throwing constructor runs no destructor
        throw;
    }
}

Context::~Context() { release(); }

void Context::release() {
    if (sched_) ggml_backend_sched_free(sched_);
    if (backend_) ggml_backend_free(backend_);
    if (threadpool_) ggml_threadpool_free(threadpool_);
    sched_ = nullptr;
    backend_ = nullptr;
    threadpool_ = nullptr;
}

void Context::set_threads(int n_threads) {
    if (n_threads < 1 || n_threads > GGML_MAX_N_THREADS) throw Error(codes::INVALID_ARGUMENT, "threads must be between 1 and " + std::to_string(GGML_MAX_N_THREADS) + ", got " + std::to_string(n_threads));
    params_.n_threads = n_threads;
    ggml_backend_cpu_set_n_threads(backend_, n_threads);
    // A persistent pool: without it ggml starts and joins threads for every graph,
    // and a single-token step on 2 cores drops from ~4000 to ~80 tokens/s (stories260K).
    // ggml's default polling (50) keeps workers hot between tokens, then lets them sleep.
    ggml_threadpool_params tp = ggml_threadpool_params_default(n_threads);
    ggml_threadpool_t pool = ggml_threadpool_new(&tp);
    if (!pool) throw Error(codes::OUT_OF_MEMORY, "cannot start a pool of " + std::to_string(n_threads) + " threads");
    ggml_backend_cpu_set_threadpool(backend_, pool);
    if (threadpool_) ggml_threadpool_free(threadpool_);
    threadpool_ = pool;
}

const std::vector<float> & Context::decode(const std::vector<Token> & tokens, const std::atomic<bool> * abort) {
    if (tokens.empty()) throw Error(codes::INVALID_ARGUMENT, "cannot decode an empty token list");
    const uint32_t n_vocab = model_->hparams().n_vocab;
    for (Token t : tokens) {
        if (t < 0 || static_cast<uint32_t>(t) >= n_vocab) {
            throw Error(codes::INVALID_ARGUMENT, "token id " + std::to_string(t) + " is out of range (vocabulary has " + std::to_string(n_vocab) + " tokens)");
        }
    }
    if (tokens.size() > cache_.size() - cache_.used()) {
        throw Error(codes::CONTEXT_FULL, "context is full: " + std::to_string(cache_.used()) + " of " + std::to_string(cache_.size()) +
                                             " positions used, " + std::to_string(tokens.size()) + " more requested; create a larger contextSize");
    }
    abort_ = abort;
    const uint32_t n_before = cache_.used();
    try {
        for (size_t offset = 0; offset < tokens.size(); offset += params_.n_batch) {
            const uint32_t n = static_cast<uint32_t>(std::min<size_t>(params_.n_batch, tokens.size() - offset));
            decode_batch(tokens.data() + offset, n);
        }
    } catch (...) {
        cache_.set_used(n_before);  // a failed or aborted decode leaves the sequence as it was
        abort_ = nullptr;
        throw;
    }
    abort_ = nullptr;
    return logits_;
}

void Context::decode_batch(const Token * tokens, uint32_t n_tokens) {
    const uint32_t n_past = cache_.used();
    ggml_init_params params = {graph_meta_.size(), graph_meta_.data(), /*no_alloc=*/true};
    ggml_context * ctx = ggml_init(params);
    std::unique_ptr<ggml_context, decltype(&ggml_free)> free_ctx(ctx, ggml_free);
    ggml_cgraph * graph = ggml_new_graph_custom(ctx, graph_size_, false);
    GraphBuilder builder(ctx, graph, *model_, cache_, n_past, n_tokens);
    ggml_tensor * logits = model_->architecture().build_graph(builder);
    ggml_build_forward_expand(graph, logits);

    ggml_backend_sched_reset(sched_);
    if (!ggml_backend_sched_alloc_graph(sched_, graph)) {
        throw Error(codes::OUT_OF_MEMORY, "cannot allocate compute memory for a batch of " + std::to_string(n_tokens) + " tokens");
    }

    // Inputs: ids, positions, and the causal mask (token i sees cache cells 0..n_past+i).
    ggml_backend_tensor_set(builder.inputs.tokens, tokens, 0, n_tokens * sizeof(int32_t));
    positions_.resize(n_tokens);
    for (uint32_t i = 0; i < n_tokens; i++) positions_[i] = static_cast<int32_t>(n_past + i);
    ggml_backend_tensor_set(builder.inputs.positions, positions_.data(), 0, n_tokens * sizeof(int32_t));
    // Causal masks: token i sees cache cells 0..n_past+i; on sliding-window layers only the last n_swa of them.
    const uint32_t n_kv = builder.n_kv;
    const Hparams & hp = model_->hparams();
    const auto fill_mask = [&](ggml_tensor * mask, uint32_t window) {
        mask_.assign(size_t(n_kv) * n_tokens, -std::numeric_limits<float>::infinity());
        for (uint32_t i = 0; i < n_tokens; i++) {
            const uint32_t pos = n_past + i;
            const uint32_t first = window > 0 && pos + 1 > window ? pos + 1 - window : 0;
            std::fill(mask_.begin() + size_t(i) * n_kv + first, mask_.begin() + size_t(i) * n_kv + pos + 1, 0.0f);
        }
        if (mask->type == GGML_TYPE_F16) {
            mask_f16_.resize(mask_.size());
            ggml_fp32_to_fp16_row(mask_.data(), mask_f16_.data(), static_cast<int64_t>(mask_.size()));
            ggml_backend_tensor_set(mask, mask_f16_.data(), 0, mask_f16_.size() * sizeof(ggml_fp16_t));
        } else {
            ggml_backend_tensor_set(mask, mask_.data(), 0, mask_.size() * sizeof(float));
        }
    };
    fill_mask(builder.inputs.kq_mask, 0);
    if (builder.inputs.kq_mask_swa) fill_mask(builder.inputs.kq_mask_swa, hp.n_swa);

    const ggml_status status = ggml_backend_sched_graph_compute(sched_, graph);
    if (status != GGML_STATUS_SUCCESS) {
        if (status == GGML_STATUS_ABORTED) throw Error(codes::ABORTED, "decoding was aborted");
        throw Error(codes::COMPUTE_FAILED, "graph compute failed (status " + std::to_string(status) + ") " + ggml_log_take_last_error());
    }
    logits_.resize(logits->ne[0]);
    ggml_backend_tensor_get(logits, logits_.data(), 0, logits_.size() * sizeof(float));
    cache_.set_used(n_past + n_tokens);
}

}  // namespace fathom
