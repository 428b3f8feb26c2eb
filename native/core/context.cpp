// See context.h.
#include "context.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "backends.h"
#include "error.h"
#include "ggml-log.h"
#include "graph-threads.h"
#include "graph.h"
#include "hparams.h"
#include "model.h"
#include "models/architectures.h"
#include "threadpool-cache.h"

namespace fathom {

static uint32_t resolve_n_ctx(const Model & model, uint32_t requested) {
    const uint32_t n = requested ? requested : model.hparams().n_ctx_train;
    if (n == 0 || n > (1u << 24)) throw Error(codes::INVALID_ARGUMENT, "contextSize must be between 1 and 16777216, got " + std::to_string(n));
    return n;
}

Context::Context(std::shared_ptr<const Model> model, const ContextParams & params)
    : model_(std::move(model)),
      params_(params),
      cache_(model_->hparams(), resolve_n_ctx(*model_, params.n_ctx), params.n_seq, model_->first_gpu_layer(),
             model_->gpu_device() ? ggml_backend_dev_buffer_type(model_->gpu_device()) : nullptr) {
    if (params_.n_batch == 0) throw Error(codes::INVALID_ARGUMENT, "batch size must be positive");
    if (model_->weights().pos_embd && cache_.seq_size() > model_->hparams().n_ctx_train) {
        // Learned positions exist only up to the training length.
        throw Error(codes::INVALID_ARGUMENT,
                    "contextSize must be at most " + std::to_string(model_->hparams().n_ctx_train) + " for this model (its learned positions end there)");
    }
    try {
        backend_ = ggml_backend_dev_init(cpu_backend().device, nullptr);
        if (!backend_) throw Error(codes::OUT_OF_MEMORY, "cannot start the CPU backend");
        set_threads(params_.n_threads);
        cpu_backend().set_abort_callback(
            backend_,
            [](void * data) {
                auto * self = static_cast<Context *>(data);
                return self->abort_ && self->abort_->load();
            },
            this);
        // Room for every node of the largest graph: ~40 per layer, plus the head.
        graph_size_ = std::max<size_t>(1024, 64 * model_->hparams().n_layer + 64);
        const gguf_context * gguf = model_->file().gguf();
        for (int64_t i = 0; i < gguf_get_n_tensors(gguf); i++) weight_bytes_ += gguf_get_tensor_size(gguf, i);
        graph_meta_.resize(ggml_tensor_overhead() * graph_size_ + ggml_graph_overhead_custom(graph_size_, false));
        // The GPU first: the scheduler runs each op on the first backend that holds its weights or
        // cache (or can take it from its neighbours), the CPU last for everything else.
        std::vector<ggml_backend_t> backends;
        if (model_->gpu_device()) {
            gpu_backend_ = ggml_backend_dev_init(model_->gpu_device(), nullptr);
            if (!gpu_backend_)
                throw Error(codes::OUT_OF_MEMORY, std::string("cannot start the GPU backend (") + ggml_backend_dev_name(model_->gpu_device()) + ")");
            backends.push_back(gpu_backend_);
        }
        backends.push_back(backend_);
        sched_ = ggml_backend_sched_new(backends.data(), nullptr, int(backends.size()), graph_size_, false, false);
        if (!sched_) throw Error(codes::OUT_OF_MEMORY, "cannot create the graph scheduler");
        // With a GPU, plan the largest graph now, as llama.cpp does: a full batch with every row's logits,
        // attending over a whole sequence. Compute buffers then never grow between graphs; freeing a GPU
        // buffer that earlier graphs used, to allocate a bigger one, crashed Mesa's software Vulkan device.
        if (gpu_backend_) {
            const uint32_t n = std::min(params_.n_batch, cache_.seq_size());
            std::vector<TokenSlot> worst(n);
            for (uint32_t i = 0; i < n; i++) worst[i] = TokenSlot{0, 0, cache_.seq_size() - n + i, true};
            const GraphPiece piece{0, n, n, 0, kv_span(worst.data(), n, cache_)};
            decode_graph(worst.data(), piece, GraphExtras{}, /*plan_only=*/true);
        }
    } catch (...) {
        release();  // a throwing constructor runs no destructor
        throw;
    }
}

Context::~Context() { release(); }

void Context::release() {
    if (sched_) ggml_backend_sched_free(sched_);
    if (backend_) ggml_backend_free(backend_);
    if (gpu_backend_) ggml_backend_free(gpu_backend_);
    release_threadpool(threadpool_, threadpool_threads_);
    sched_ = nullptr;
    backend_ = nullptr;
    gpu_backend_ = nullptr;
    threadpool_ = nullptr;
}

void Context::set_threads(int n_threads) {
    if (n_threads < 1 || n_threads > GGML_MAX_N_THREADS)
        throw Error(codes::INVALID_ARGUMENT, "threads must be between 1 and " + std::to_string(GGML_MAX_N_THREADS) + ", got " + std::to_string(n_threads));
    params_.n_threads = n_threads;
    cpu_backend().set_n_threads(backend_, n_threads);
    // A persistent pool: without it ggml starts and joins threads for every graph,
    // and a single-token step on 2 cores drops from ~4000 to ~80 tokens/s (stories260K).
    ggml_threadpool_t pool = acquire_threadpool(n_threads);
    cpu_backend().set_threadpool(backend_, pool);
    release_threadpool(threadpool_, threadpool_threads_);
    threadpool_ = pool;
    threadpool_threads_ = n_threads;
}

void Context::truncate(uint32_t seq, uint32_t n) {
    if (seq >= cache_.n_seq())
        throw Error(codes::INVALID_ARGUMENT, "sequence " + std::to_string(seq) + " does not exist (the context has " + std::to_string(cache_.n_seq()) + ")");
    cache_.set_used(seq, std::min(n, cache_.used(seq)));
}

void Context::validate(const std::vector<SequenceInput> & batch) const {
    const uint32_t n_vocab = model_->hparams().n_vocab;
    std::vector<bool> seen(cache_.n_seq(), false);
    for (const SequenceInput & in : batch) {
        if (in.seq >= cache_.n_seq())
            throw Error(codes::INVALID_ARGUMENT,
                        "sequence " + std::to_string(in.seq) + " does not exist (the context has " + std::to_string(cache_.n_seq()) + ")");
        if (seen[in.seq]) throw Error(codes::INVALID_ARGUMENT, "sequence " + std::to_string(in.seq) + " appears twice in one batch");
        seen[in.seq] = true;
        if (in.tokens.empty()) throw Error(codes::INVALID_ARGUMENT, "cannot decode an empty token list");
        for (Token t : in.tokens) {
            if (t < 0 || static_cast<uint32_t>(t) >= n_vocab) {
                throw Error(codes::INVALID_ARGUMENT,
                            "token id " + std::to_string(t) + " is out of range (vocabulary has " + std::to_string(n_vocab) + " tokens)");
            }
        }
        const uint32_t used = cache_.used(in.seq);
        if (in.tokens.size() > cache_.seq_size() - used) {
            throw Error(codes::CONTEXT_FULL, "context is full: " + std::to_string(used) + " of " + std::to_string(cache_.seq_size()) + " positions used, " +
                                                 std::to_string(in.tokens.size()) + " more requested; create a larger contextSize");
        }
    }
}

const BatchLogits & Context::decode(const std::vector<SequenceInput> & batch, const std::atomic<bool> * abort, const ControlVector * control) {
    if (batch.empty()) throw Error(codes::INVALID_ARGUMENT, "cannot decode an empty batch");
    if (model_->architecture().encoder) {
        throw Error(codes::INVALID_ARGUMENT,
                    std::string("this is an embedding model (") + model_->architecture().name + "): it embeds text but cannot generate or score it");
    }
    validate(batch);
    if (control && control->data.size() != size_t(model_->hparams().n_layer) * model_->hparams().n_embd) {
        throw Error(codes::INVALID_ARGUMENT, "a control vector needs n_layer * n_embd values");
    }
    batch_.place(batch, cache_);
    logits_.n_vocab = model_->hparams().n_vocab;
    logits_.first_row = batch_.first_row();
    logits_.data.resize(size_t(batch_.n_outputs()) * logits_.n_vocab);
    GraphExtras extras;
    extras.control = control;
    decode_batch(abort, params_.n_batch, extras);
    return logits_;
}

const BatchLogits & Context::inspect(uint32_t seq, const std::vector<Token> & tokens, const Capture & capture, Captured & out, const std::atomic<bool> * abort,
                                     const ControlVector * control) {
    const uint32_t n_layer = model_->hparams().n_layer;
    for (const auto * layers : {&capture.hidden_layers, &capture.attention_layers}) {
        for (uint32_t il : *layers) {
            if (il >= n_layer)
                throw Error(codes::INVALID_ARGUMENT, "layer " + std::to_string(il) + " does not exist (the model has " + std::to_string(n_layer) + ")");
        }
    }
    truncate(seq, 0);
    SequenceInput in{seq, tokens, /*all_logits=*/true};
    validate({in});
    if (control && control->data.size() != size_t(n_layer) * model_->hparams().n_embd) {
        throw Error(codes::INVALID_ARGUMENT, "a control vector needs n_layer * n_embd values");
    }
    batch_.place_from_start(seq, tokens);
    logits_.n_vocab = model_->hparams().n_vocab;
    logits_.first_row = batch_.first_row();
    logits_.data.resize(model_->architecture().encoder || !capture.logits ? 0 : tokens.size() * size_t(logits_.n_vocab));
    out.hidden.assign(capture.hidden_layers.size(), {});
    out.attention.assign(capture.attention_layers.size(), {});
    GraphExtras extras{control, &capture, &out};
    // One graph for all tokens: attention rows then cover the whole text.
    decode_batch(abort, static_cast<uint32_t>(tokens.size()), extras);
    return logits_;
}

void Context::decode_batch(const std::atomic<bool> * abort, uint32_t graph_tokens, const GraphExtras & extras) {
    std::vector<uint32_t> used_before(cache_.n_seq());
    for (uint32_t s = 0; s < cache_.n_seq(); s++) used_before[s] = cache_.used(s);
    abort_ = abort;
    try {
        batch_.split(graph_tokens, cache_);
        for (const GraphPiece & piece : batch_.pieces()) decode_graph(batch_.slots().data() + piece.offset, piece, extras);
    } catch (...) {
        for (uint32_t s = 0; s < cache_.n_seq(); s++) cache_.set_used(s, used_before[s]);  // a failed or aborted batch changes nothing
        abort_ = nullptr;
        throw;
    }
    abort_ = nullptr;
}

template <typename Build>
bool Context::allocate(const std::string & variant, const Build & build) {
    // ggml's allocator reuses its last plan for any graph with the same node counts that fits, without
    // looking at the topology or at which tensors are outputs: a new variant must be planned afresh.
    // Planning rewrites the graph it is given (with a GPU, sources from the other device are pointed at
    // copies), so the plan is made on one build of the graph and the graph that runs is built again.
    ggml_backend_sched_reset(sched_);
    if (variant != plan_variant_) {
        plan_variant_.clear();
        if (!ggml_backend_sched_reserve(sched_, build())) return false;
        plan_variant_ = variant;
    }
    return ggml_backend_sched_alloc_graph(sched_, build());
}

std::vector<float> Context::logit_lens(const std::vector<float> & hidden, uint32_t n_rows) {
    const Hparams & hp = model_->hparams();
    if (model_->architecture().encoder || !model_->weights().output || !model_->weights().output_norm) {
        throw Error(codes::INVALID_ARGUMENT, std::string("this model (") + model_->architecture().name + ") has no output head to read hidden states through");
    }
    if (n_rows == 0 || hidden.size() != size_t(n_rows) * hp.n_embd) throw Error(codes::INVALID_ARGUMENT, "hidden states must be n_rows * n_embd values");
    GraphMemory ctx(nullptr, ggml_free);
    ggml_cgraph * graph = nullptr;
    ggml_tensor *input = nullptr, *logits = nullptr;
    const GraphShape shape{n_rows, n_rows, 0, 1, true};
    const auto build = [&]() {
        ctx = graph_memory();
        graph = ggml_new_graph_custom(ctx.get(), graph_size_, false);
        GraphBuilder builder(ctx.get(), graph, *model_, cache_, shape);
        input = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, hp.n_embd, n_rows);  // [n_embd, n_rows]
        ggml_set_input(input);
        logits = builder.output_head(input);  // [n_vocab, n_rows]
        ggml_build_forward_expand(graph, logits);
        return graph;
    };
    if (!allocate("logit-lens", build)) throw Error(codes::OUT_OF_MEMORY, "cannot allocate compute memory for the logit lens");
    ggml_backend_tensor_set(input, hidden.data(), 0, hidden.size() * sizeof(float));
    const ggml_status status = ggml_backend_sched_graph_compute(sched_, graph);
    if (status != GGML_STATUS_SUCCESS)
        throw Error(codes::COMPUTE_FAILED, "graph compute failed (status " + std::to_string(status) + ") " + ggml_log_take_last_error());
    std::vector<float> out(size_t(n_rows) * hp.n_vocab);
    ggml_backend_tensor_get(logits, out.data(), 0, out.size() * sizeof(float));
    return out;
}

// The name of a graph's variant: what changes its topology or which tensors must survive to the end.
static std::string graph_variant(const GraphShape & shape, bool control, const Capture * capture) {
    std::string variant = shape.n_outputs < shape.n_tokens ? "rows" : "all";
    if (control) variant += ",control:" + std::to_string(shape.first_control) + "-" + std::to_string(shape.last_control);
    if (capture) {
        for (uint32_t il : capture->hidden_layers) variant += ",h" + std::to_string(il);
        for (uint32_t il : capture->attention_layers) variant += ",a" + std::to_string(il);
        if (capture->embeddings) variant += ",e";
        if (shape.skip_head) variant += ",nohead";
    }
    return variant;
}

void Context::decode_graph(const TokenSlot * slots, const GraphPiece & piece, const GraphExtras & extras, bool plan_only) {
    const uint32_t n_tokens = piece.n_tokens, n_outputs = piece.n_outputs;
    GraphShape shape{n_tokens, n_outputs, piece.span.first, piece.span.n, params_.flash_attn};
    const uint32_t n_layer = model_->hparams().n_layer;
    std::vector<bool> plain(n_layer, false);
    if (extras.capture) {
        for (uint32_t il : extras.capture->attention_layers) plain[il] = true;
        shape.plain_attention = &plain;
    }
    // A control vector acts only where a decoder's layers read it (an unread graph input gets no memory).
    if (extras.control && !model_->architecture().encoder && extras.control->first_layer <= std::min(extras.control->last_layer, n_layer - 1)) {
        shape.control = true;
        shape.first_control = extras.control->first_layer;
        shape.last_control = std::min(extras.control->last_layer, n_layer - 1);
    }
    shape.skip_head = extras.capture && !extras.capture->logits && !model_->architecture().encoder;

    GraphMemory ctx(nullptr, ggml_free);
    ggml_cgraph * graph = nullptr;
    std::optional<GraphBuilder> builder;
    ggml_tensor *logits = nullptr, *embeddings = nullptr;
    std::vector<ggml_tensor *> hidden, attention;
    const auto build = [&]() {
        ctx = graph_memory();
        graph = ggml_new_graph_custom(ctx.get(), graph_size_, false);
        builder.emplace(ctx.get(), graph, *model_, cache_, shape);
        logits = model_->architecture().build_graph(*builder);  // [n_vocab, n_outputs]
        ggml_build_forward_expand(graph, logits);
        // Captured tensors are marked as outputs so the allocator does not reuse their memory.
        hidden.clear();
        attention.clear();
        embeddings = nullptr;
        if (extras.capture) {
            const auto find = [&](const char * what, uint32_t il) {
                const std::string name = "blk." + std::to_string(il) + "." + what;
                ggml_tensor * t = ggml_graph_get_tensor(graph, name.c_str());
                if (!t) throw Error(codes::COMPUTE_FAILED, "the graph has no tensor " + name);
                ggml_set_output(t);
                return t;
            };
            for (uint32_t il : extras.capture->hidden_layers) hidden.push_back(find("l_out", il));
            for (uint32_t il : extras.capture->attention_layers) attention.push_back(find("kq_soft_max", il));
            if (extras.capture->embeddings) {
                embeddings = model_->architecture().encoder ? find("l_out", model_->hparams().n_layer - 1) : ggml_graph_get_tensor(graph, "result_norm");
                if (!embeddings) throw Error(codes::COMPUTE_FAILED, "the graph has no result_norm tensor");
                ggml_set_output(embeddings);
            }
        }
        return graph;
    };

    if (!allocate(graph_variant(shape, extras.control != nullptr, extras.capture), build)) {
        throw Error(codes::OUT_OF_MEMORY, "cannot allocate compute memory for a batch of " + std::to_string(n_tokens) + " tokens");
    }
    if (plan_only) return;

    builder->inputs.fill(slots, n_tokens, piece.span, cache_, model_->hparams(), extras.control, staging_);

    const int threads = graph_threads(slots, n_tokens, weight_bytes_, model_->hparams(), params_.n_threads);
    cpu_backend().set_n_threads(backend_, threads);
    // A one-thread graph runs without the pool: starting a graph on the pool wakes its sleeping
    // workers even when they have no part in it, which on a busy 2-core machine costs a context switch
    // per token (stories260K: ~2450 tokens/s with 1 thread, ~2150 with a 2-thread pool idle).
    cpu_backend().set_threadpool(backend_, threads > 1 ? threadpool_ : nullptr);
    const ggml_status status = ggml_backend_sched_graph_compute(sched_, graph);
    if (status != GGML_STATUS_SUCCESS) {
        if (status == GGML_STATUS_ABORTED) throw Error(codes::ABORTED, "decoding was aborted");
        throw Error(codes::COMPUTE_FAILED, "graph compute failed (status " + std::to_string(status) + ") " + ggml_log_take_last_error());
    }
    // Outputs are numbered across the whole batch: this graph's come after those of earlier graphs.
    const size_t row_bytes = size_t(logits_.n_vocab) * sizeof(float);
    if (n_outputs && !model_->architecture().encoder && !shape.skip_head) {
        ggml_backend_tensor_get(logits, logits_.data.data() + size_t(piece.first_output) * logits_.n_vocab, 0, n_outputs * row_bytes);
    }
    for (uint32_t i = 0; i < n_tokens; i++) cache_.set_used(slots[i].seq, slots[i].pos + 1);
    const auto copy_out = [](ggml_tensor * t, std::vector<float> & out) {
        out.resize(ggml_nelements(t));
        ggml_backend_tensor_get(t, out.data(), 0, out.size() * sizeof(float));
    };
    for (size_t i = 0; i < hidden.size(); i++) copy_out(hidden[i], extras.captured->hidden[i]);
    for (size_t i = 0; i < attention.size(); i++) copy_out(attention[i], extras.captured->attention[i]);
    if (embeddings) copy_out(embeddings, extras.captured->embeddings);
}

Context::GraphMemory Context::graph_memory() {
    ggml_init_params params = {graph_meta_.size(), graph_meta_.data(), /*no_alloc=*/true};
    GraphMemory ctx(ggml_init(params), ggml_free);
    if (!ctx) throw Error(codes::OUT_OF_MEMORY, "cannot create a graph context");
    return ctx;
}

}  // namespace fathom
