// The inputs of one forward pass: what they are (tensors made when the graph is
// built, from its shape) and what goes into them (written from the placed batch
// before compute). Both halves live here so that a new input is one change.
#pragma once

#include <cstdint>
#include <vector>

#include "batch.h"
#include "control-vector.h"
#include "ggml.h"

namespace fathom {

class KvCache;
struct Hparams;

// The shape of one graph: which tokens, which rows need logits, which cache cells attention reads.
struct GraphShape {
    uint32_t n_tokens = 0;
    uint32_t n_outputs = 0;  // rows that need logits; n_tokens = all of them
    uint32_t kv_first = 0;   // attention reads cache cells kv_first..kv_first+n_kv-1
    uint32_t n_kv = 0;
    bool flash_attn = true;  // fused attention kernel; off gives the plain softmax(QK)·V path with named probabilities
    // Layers that take the plain path even with flash_attn (their probabilities are wanted); may be null.
    const std::vector<bool> * plain_attention = nullptr;
    // Layers first_control..last_control add a control vector (steering) to their output.
    bool control = false;
    uint32_t first_control = 0, last_control = 0;
    // Stop at the final norm (no output head): for passes that want hidden states, not logits.
    bool skip_head = false;
};

// Host-side copies of the input values, kept by the context so a token step allocates nothing.
struct InputStaging {
    std::vector<int32_t> ids, positions, out_ids;
    std::vector<int64_t> cells;
    std::vector<ggml_fp16_t> mask;
};

struct GraphInputs {
    ggml_tensor * tokens = nullptr;       // I32 [n_tokens]
    ggml_tensor * positions = nullptr;    // I32 [n_tokens], position of each token in its sequence
    ggml_tensor * cells = nullptr;        // I64 [n_tokens], cache cell each token's key/value is stored in
    ggml_tensor * out_ids = nullptr;      // I32 [n_outputs], rows that need logits (absent when all do)
    ggml_tensor * kq_mask = nullptr;      // F16 [n_kv, n_tokens], 0 or -inf: own sequence, causal
    ggml_tensor * kq_mask_swa = nullptr;  // same, also hiding positions n_swa or more back (sliding-window layers)
    ggml_tensor * control = nullptr;      // F32 [n_embd, n_layer], added to each layer's output in the control range

    // Makes the tensors a graph of `shape` needs (named "inp_*", marked as inputs).
    void create(ggml_context * ctx, const GraphShape & shape, const Hparams & hp);
    // Writes the values of `n` placed slots into the allocated tensors.
    void fill(const TokenSlot * slots, uint32_t n, KvSpan span, const KvCache & cache, const Hparams & hp, const ControlVector * control,
              InputStaging & staging) const;
};

}  // namespace fathom
