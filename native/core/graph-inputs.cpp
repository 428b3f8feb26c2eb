// See graph-inputs.h.
#include "graph-inputs.h"

#include <algorithm>
#include <limits>

#include "ggml-backend.h"
#include "hparams.h"
#include "kv-cache.h"

namespace fathom {

void GraphInputs::create(ggml_context * ctx, const GraphShape & shape, const Hparams & hp) {
    const auto input = [](ggml_tensor * t, const char * name) {
        ggml_set_input(t);
        ggml_set_name(t, name);
        return t;
    };
    const uint32_t n_tokens = shape.n_tokens;
    tokens = input(ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_tokens), "inp_tokens");                                           // [n_tokens]
    positions = input(ggml_new_tensor_1d(ctx, GGML_TYPE_I32, n_tokens), "inp_pos");                                           // [n_tokens]
    cells = input(ggml_new_tensor_1d(ctx, GGML_TYPE_I64, n_tokens), "inp_kv_cells");                                          // [n_tokens]
    if (shape.n_outputs < n_tokens) out_ids = input(ggml_new_tensor_1d(ctx, GGML_TYPE_I32, shape.n_outputs), "inp_out_ids");  // [n_outputs]
    // F16: what flash attention takes; the plain softmax accepts it too.
    kq_mask = input(ggml_new_tensor_2d(ctx, GGML_TYPE_F16, shape.n_kv, n_tokens), "inp_kq_mask");                            // [n_kv, n_tokens]
    if (hp.n_swa > 0) kq_mask_swa = input(ggml_new_tensor_2d(ctx, GGML_TYPE_F16, shape.n_kv, n_tokens), "inp_kq_mask_swa");  // [n_kv, n_tokens]
    if (shape.control) control = input(ggml_new_tensor_2d(ctx, GGML_TYPE_F32, hp.n_embd, hp.n_layer), "inp_control");        // [n_embd, n_layer]
}

// Token i sees its own sequence's cells at positions 0..pos (only the last `window` of them on
// sliding-window layers); in an encoder, every position of its sequence in this graph.
static void fill_mask(ggml_tensor * mask, const TokenSlot * slots, uint32_t n_tokens, KvSpan span, const KvCache & cache, bool causal, uint32_t window,
                      std::vector<ggml_fp16_t> & staging) {
    const ggml_fp16_t zero = ggml_fp32_to_fp16(0.0f), hidden = ggml_fp32_to_fp16(-std::numeric_limits<float>::infinity());
    staging.assign(size_t(span.n) * n_tokens, hidden);
    for (uint32_t i = 0; i < n_tokens; i++) {
        const uint32_t pos = slots[i].pos, base = cache.first_cell(slots[i].seq) - span.first;
        uint32_t end = pos + 1;
        if (!causal) {
            for (uint32_t j = 0; j < n_tokens; j++)
                if (slots[j].seq == slots[i].seq) end = std::max(end, slots[j].pos + 1);
        }
        const uint32_t first = window > 0 && pos + 1 > window ? pos + 1 - window : 0;
        std::fill(staging.begin() + size_t(i) * span.n + base + first, staging.begin() + size_t(i) * span.n + base + end, zero);
    }
    ggml_backend_tensor_set(mask, staging.data(), 0, staging.size() * sizeof(ggml_fp16_t));
}

void GraphInputs::fill(const TokenSlot * slots, uint32_t n, KvSpan span, const KvCache & cache, const Hparams & hp, const ControlVector * steering,
                       InputStaging & staging) const {
    staging.ids.resize(n);
    staging.positions.resize(n);
    staging.cells.resize(n);
    staging.out_ids.clear();
    for (uint32_t i = 0; i < n; i++) {
        staging.ids[i] = slots[i].token;
        staging.positions[i] = static_cast<int32_t>(slots[i].pos);
        staging.cells[i] = cache.first_cell(slots[i].seq) + slots[i].pos;
        if (slots[i].output) staging.out_ids.push_back(static_cast<int32_t>(i));
    }
    ggml_backend_tensor_set(tokens, staging.ids.data(), 0, n * sizeof(int32_t));
    ggml_backend_tensor_set(positions, staging.positions.data(), 0, n * sizeof(int32_t));
    ggml_backend_tensor_set(cells, staging.cells.data(), 0, n * sizeof(int64_t));
    if (out_ids) ggml_backend_tensor_set(out_ids, staging.out_ids.data(), 0, staging.out_ids.size() * sizeof(int32_t));
    fill_mask(kq_mask, slots, n, span, cache, hp.causal, 0, staging.mask);
    if (kq_mask_swa) fill_mask(kq_mask_swa, slots, n, span, cache, hp.causal, hp.n_swa, staging.mask);
    if (control) ggml_backend_tensor_set(control, steering->data.data(), 0, steering->data.size() * sizeof(float));
}

}  // namespace fathom
