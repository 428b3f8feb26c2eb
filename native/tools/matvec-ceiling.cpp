// The ceiling for single-token speed on a GGUF file with ggml's CPU kernels: the model loaded as
// the engine loads it (weights in the mapped file, or repacked for ggml's SIMD kernels), then every
// matrix a token step multiplies by, times one activation vector, in one graph on ggml's
// threadpool. No attention, norms or sampling, so the engine's tg128 can only approach this.
// A development tool, not part of the addon.
// Usage: matvec-ceiling FILE.gguf [THREADS=2] [REPS=30] [COLUMNS=1] (COLUMNS=512: the same for a
// prompt batch: every matrix times 512 columns, the head times one).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "ggml-cpu.h"
#include "ggml.h"
#include "model.h"

int main(int argc, char ** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE.gguf [THREADS=2] [REPS=30] [COLUMNS=1]\n", argv[0]);
        return 2;
    }
    const int n_threads = argc > 2 ? std::atoi(argv[2]) : 2;
    const int reps = argc > 3 ? std::max(1, std::atoi(argv[3])) : 30;
    const int64_t columns = argc > 4 ? std::max(1, std::atoi(argv[4])) : 1;
    try {
        std::shared_ptr<fathom::Model> model = fathom::Model::load(argv[1]);
        fathom::ModelWeights weights = model->weights();
        std::vector<ggml_tensor **> matrices = weights.matmul_weights();
        if (weights.output == weights.tok_embd) matrices.push_back(&weights.output);  // a tied head is multiplied too

        // Activations and outputs per matrix: [n_in, columns] and [n_out, columns] f32.
        size_t memory = 0;
        for (ggml_tensor ** slot : matrices) memory += size_t((*slot)->ne[0] + (*slot)->ne[1]) * columns * sizeof(float) + 1024;
        ggml_init_params graph_params = {memory + (16ull << 20), nullptr, false};
        ggml_context * ctx = ggml_init(graph_params);
        if (!ctx) {
            std::fprintf(stderr, "cannot allocate %zu bytes for activations\n", graph_params.mem_size);
            return 1;
        }
        ggml_cgraph * graph = ggml_new_graph_custom(ctx, 8192, false);
        size_t weight_bytes = 0;
        for (ggml_tensor ** slot : matrices) {
            ggml_tensor * w = *slot;
            // The output head multiplies only the row whose logits are wanted, as in the engine.
            const int64_t n_cols = *slot == weights.output ? 1 : columns;
            ggml_tensor * x = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, w->ne[0], n_cols);  // [n_in, n_cols]
            float * xs = static_cast<float *>(x->data);
            for (int64_t i = 0; i < ggml_nelements(x); ++i) xs[i] = static_cast<float>((i * 37) % 11 - 5) * 0.1f;
            ggml_build_forward_expand(graph, ggml_mul_mat(ctx, w, x));  // [n_out, n_cols]
            weight_bytes += ggml_nbytes(w);
        }
        const int n_matvecs = static_cast<int>(matrices.size());

        ggml_threadpool_params pool_params = ggml_threadpool_params_default(n_threads);
        ggml_threadpool * pool = ggml_threadpool_new(&pool_params);
        ggml_cplan plan = ggml_graph_plan(graph, n_threads, pool);
        std::vector<uint8_t> work(plan.work_size);
        plan.work_data = work.data();
        ggml_graph_compute(graph, &plan);  // pages the weights in
        std::vector<double> seconds;
        for (int r = 0; r < reps; ++r) {
            auto start = std::chrono::steady_clock::now();
            ggml_graph_compute(graph, &plan);
            seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        }
        std::sort(seconds.begin(), seconds.end());
        const double median = seconds[seconds.size() / 2];
        std::printf("{\"threads\":%d,\"columns\":%lld,\"matvecs\":%d,\"weightBytes\":%zu,\"medianMs\":%.3f,\"tokensPerSecond\":%.2f,\"gbPerSecond\":%.2f}\n",
                    n_threads, static_cast<long long>(columns), n_matvecs, weight_bytes, median * 1e3, columns / median, weight_bytes / median / 1e9);
        ggml_threadpool_free(pool);
        ggml_free(ctx);
    } catch (const std::exception & e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
