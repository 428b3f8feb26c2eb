// See weights.h.
#include "weights.h"

namespace fathom {

std::vector<ggml_tensor **> ModelWeights::matmul_weights() {
    std::vector<ggml_tensor **> out;
    if (output && output != tok_embd) out.push_back(&output);  // a tied head also serves get_rows: keep it where it is
    for (LayerWeights & l : layers) {
        for (ggml_tensor ** w : {&l.wq, &l.wk, &l.wv, &l.wqkv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) {
            if (*w) out.push_back(w);
        }
    }
    return out;
}

std::vector<ggml_tensor **> LayerWeights::all() {
    std::vector<ggml_tensor **> out;
    for (ggml_tensor ** w : {&attn_norm,
                             &wq,
                             &wk,
                             &wv,
                             &wqkv,
                             &bqkv,
                             &wo,
                             &bq,
                             &bk,
                             &bv,
                             &bo,
                             &attn_q_norm,
                             &attn_k_norm,
                             &attn_post_norm,
                             &ffn_post_norm,
                             &ffn_norm,
                             &ffn_gate,
                             &ffn_up,
                             &ffn_down,
                             &ffn_up_b,
                             &ffn_down_b,
                             &attn_out_norm,
                             &attn_out_norm_b,
                             &layer_out_norm,
                             &layer_out_norm_b}) {
        if (*w) out.push_back(w);
    }
    return out;
}

// Puts copies of the weights in `slots` into one new buffer of type `buft` and points the slots at
// them; `ctx` and `buffer` receive what holds the copies. Setting the data is what converts it for
// the buffer type (repacking, or an upload to a GPU).

}  // namespace fathom
