// See graph.h.
#include "graph.h"

#include <cmath>

#include "kv-cache.h"
#include "model.h"

namespace fathom {

GraphBuilder::GraphBuilder(ggml_context * ctx, ggml_cgraph * graph, const Model & model, KvCache & cache, const GraphShape & shape)
    : model(model), hp(model.hparams()), ctx(ctx), graph(graph), shape(shape), n_tokens(shape.n_tokens), cache_(cache) {
    inputs.create(ctx, shape, hp);
}

ggml_tensor * GraphBuilder::name(ggml_tensor * t, const char * name, int layer) {
    if (layer >= 0) {
        ggml_format_name(t, "blk.%d.%s", layer, name);
    } else {
        ggml_set_name(t, name);
    }
    return t;
}

ggml_tensor * GraphBuilder::embed_tokens() {
    return name(ggml_get_rows(ctx, model.weights().tok_embd, inputs.tokens), "inp_embd");  // [n_embd, n_tokens]
}

ggml_tensor * GraphBuilder::rms_norm(ggml_tensor * x, ggml_tensor * weight, const char * label, int layer) {
    ggml_tensor * cur = ggml_rms_norm(ctx, x, hp.norm_rms_eps);
    if (weight) cur = ggml_mul(ctx, cur, weight);
    return name(cur, label, layer);
}

ggml_tensor * GraphBuilder::rope(ggml_tensor * x, int mode, int layer) {
    const ModelWeights & w = model.weights();
    ggml_tensor * factors = w.rope_freqs ? w.rope_freqs : (cache_.seq_size() > hp.n_ctx_orig ? w.rope_long : w.rope_short);
    const bool swa = hp.is_swa(static_cast<uint32_t>(layer));
    return ggml_rope_ext(ctx, x, inputs.positions, factors, hp.n_rot, mode, hp.n_ctx_orig, swa ? hp.rope_freq_base_swa : hp.rope_freq_base,
                         swa ? hp.rope_freq_scale_swa : hp.rope_freq_scale,
                         /*ext_factor=*/0.0f, /*attn_factor=*/1.0f, /*beta_fast=*/32.0f, /*beta_slow=*/1.0f);
}

ggml_tensor * GraphBuilder::attention(int layer, ggml_tensor * q, ggml_tensor * k, ggml_tensor * v) {
    ggml_tensor * k_cache = cache_.k(layer);
    ggml_tensor * v_cache = cache_.v(layer);
    const int64_t n_embd_k_gqa = hp.n_embd_k_gqa(), n_embd_v_gqa = hp.n_embd_v_gqa();

    // Store this batch's keys and values in their cells (expanded first so they run before the reads).
    ggml_build_forward_expand(graph, ggml_set_rows(ctx, k_cache, ggml_reshape_2d(ctx, k, n_embd_k_gqa, n_tokens), inputs.cells));
    ggml_build_forward_expand(graph, ggml_set_rows(ctx, v_cache, ggml_reshape_2d(ctx, v, n_embd_v_gqa, n_tokens), inputs.cells));

    // The cells this batch's sequences occupy; the mask hides other sequences' and future positions.
    const int64_t n_kv = shape.n_kv;
    ggml_tensor * keys = ggml_view_3d(ctx, k_cache, hp.n_embd_head_k, hp.n_head_kv, n_kv, ggml_row_size(k_cache->type, hp.n_embd_head_k), k_cache->nb[1],
                                      k_cache->nb[1] * shape.kv_first);  // [head_dim, n_head_kv, n_kv]
    keys = ggml_permute(ctx, keys, 0, 2, 1, 3);                          // [head_dim, n_kv, n_head_kv]
    ggml_tensor * values = ggml_view_3d(ctx, v_cache, hp.n_embd_head_v, hp.n_head_kv, n_kv, ggml_row_size(v_cache->type, hp.n_embd_head_v), v_cache->nb[1],
                                        v_cache->nb[1] * shape.kv_first);  // [head_dim_v, n_head_kv, n_kv]
    ggml_tensor * queries = ggml_permute(ctx, q, 0, 2, 1, 3);              // [head_dim, n_tokens, n_head]
    const float scale = hp.query_scale != 0.0f ? 1.0f : 1.0f / std::sqrt(static_cast<float>(hp.n_embd_head_k));
    ggml_tensor * mask = hp.is_swa(static_cast<uint32_t>(layer)) ? inputs.kq_mask_swa : inputs.kq_mask;

    const bool plain = shape.plain_attention && static_cast<size_t>(layer) < shape.plain_attention->size() && (*shape.plain_attention)[layer];
    if (shape.flash_attn && !plain) {
        values = ggml_permute(ctx, values, 0, 2, 1, 3);                                                           // [head_dim_v, n_kv, n_head_kv]
        ggml_tensor * out = ggml_flash_attn_ext(ctx, queries, keys, values, mask, scale, 0.0f, hp.attn_softcap);  // [head_dim_v, n_head, n_tokens]
        ggml_flash_attn_ext_set_prec(out, GGML_PREC_F32);
        return name(ggml_reshape_2d(ctx, out, hp.n_embd_head_v * hp.n_head, n_tokens), "kqv_out", layer);  // [n_embd_head_v*n_head, n_tokens]
    }

    // Each group of n_head/n_head_kv query heads shares one KV head (ggml broadcasts dim 2).
    ggml_tensor * kq = name(ggml_mul_mat(ctx, keys, queries), "kq", layer);  // [n_kv, n_tokens, n_head]
    if (hp.attn_softcap > 0.0f) {
        // cap * tanh(scale * kq / cap); the softmax then applies no further scale.
        kq = ggml_scale(ctx, ggml_tanh(ctx, ggml_scale(ctx, kq, scale / hp.attn_softcap)), hp.attn_softcap);
        kq = ggml_soft_max_ext(ctx, kq, mask, 1.0f, 0.0f);
    } else {
        kq = ggml_soft_max_ext(ctx, kq, mask, scale, 0.0f);
    }
    name(kq, "kq_soft_max", layer);
    // The product needs values with cells innermost: a transposed copy (this path is for introspection, not speed).
    values = ggml_cont(ctx, ggml_permute(ctx, values, 1, 2, 0, 3));                         // [n_kv, head_dim_v, n_head_kv]
    ggml_tensor * kqv = ggml_mul_mat(ctx, values, kq);                                      // [head_dim_v, n_tokens, n_head]
    kqv = ggml_permute(ctx, kqv, 0, 2, 1, 3);                                               // [head_dim_v, n_head, n_tokens]
    ggml_tensor * merged = ggml_cont_2d(ctx, kqv, hp.n_embd_head_v * hp.n_head, n_tokens);  // [n_embd_head_v*n_head, n_tokens]
    return name(merged, "kqv_out", layer);
}

ggml_tensor * GraphBuilder::linear(ggml_tensor * w, ggml_tensor * b, ggml_tensor * x) {
    ggml_tensor * y = ggml_mul_mat(ctx, w, x);
    return b ? ggml_add(ctx, y, b) : y;
}

ggml_tensor * GraphBuilder::layer_norm(ggml_tensor * x, ggml_tensor * weight, ggml_tensor * bias, const char * label, int layer) {
    ggml_tensor * cur = ggml_norm(ctx, x, hp.norm_eps);
    if (weight) cur = ggml_mul(ctx, cur, weight);
    if (bias) cur = ggml_add(ctx, cur, bias);
    return name(cur, label, layer);
}

ggml_tensor * GraphBuilder::self_attention(int layer, const LayerWeights & w, ggml_tensor * x, int rope_mode) {
    const int64_t head = hp.n_embd_head_k, n_q = head * hp.n_head, n_kv = int64_t(hp.n_embd_k_gqa());
    ggml_tensor *q, *k, *v;
    if (w.wqkv) {
        ggml_tensor * qkv = name(linear(w.wqkv, w.bqkv, x), "qkv", layer);  // [n_q + 2*n_kv, n_tokens]
        const size_t f32 = ggml_element_size(qkv);
        q = ggml_view_3d(ctx, qkv, head, hp.n_head, n_tokens, head * f32, qkv->nb[1], 0);             // [head_dim, n_head, n_tokens]
        k = ggml_view_3d(ctx, qkv, head, hp.n_head_kv, n_tokens, head * f32, qkv->nb[1], n_q * f32);  // [head_dim, n_head_kv, n_tokens]
        v = ggml_view_2d(ctx, qkv, hp.n_embd_v_gqa(), n_tokens, qkv->nb[1], (n_q + n_kv) * f32);      // [n_embd_v_gqa, n_tokens]
        v = name(ggml_cont(ctx, v), "v", layer);
    } else {
        q = name(linear(w.wq, w.bq, x), "q", layer);                // [n_embd_head_k*n_head, n_tokens]
        k = name(linear(w.wk, w.bk, x), "k", layer);                // [n_embd_k_gqa, n_tokens]
        v = name(linear(w.wv, w.bv, x), "v", layer);                // [n_embd_v_gqa, n_tokens]
        q = ggml_reshape_3d(ctx, q, head, hp.n_head, n_tokens);     // [head_dim, n_head, n_tokens]
        k = ggml_reshape_3d(ctx, k, head, hp.n_head_kv, n_tokens);  // [head_dim, n_head_kv, n_tokens]
    }
    if (w.attn_q_norm) q = rms_norm(q, w.attn_q_norm, "q_norm", layer);
    if (w.attn_k_norm) k = rms_norm(k, w.attn_k_norm, "k_norm", layer);
    q = name(rope(q, rope_mode, layer), "q_rope", layer);
    k = name(rope(k, rope_mode, layer), "k_rope", layer);
    if (hp.query_scale != 0.0f) q = ggml_scale(ctx, q, hp.query_scale);
    ggml_tensor * out = attention(layer, q, k, v);
    return name(linear(w.wo, w.bo, out), "attn_out", layer);  // [n_embd, n_tokens]
}

ggml_tensor * GraphBuilder::decoder_layers(ggml_tensor * x, const LayerStyle & style) {
    for (uint32_t il = 0; il < hp.n_layer; il++) {
        const int i = static_cast<int>(il);
        const LayerWeights & w = model.weights().layers[il];
        ggml_tensor * h = rms_norm(x, w.attn_norm, "attn_norm", i);
        h = self_attention(i, w, h, style.rope_mode);
        if (il + 1 == hp.n_layer) {
            // Only some rows need logits: the last layer's FFN runs on those alone.
            h = output_rows(h);
            x = output_rows(x);
        }
        if (w.attn_post_norm) h = rms_norm(h, w.attn_post_norm, "attn_post_norm", i);
        x = name(ggml_add(ctx, x, h), "ffn_inp", i);  // [n_embd, n_tokens]
        h = rms_norm(x, w.ffn_norm, "ffn_norm", i);
        h = ffn_gated(i, w, h, style.gelu_ffn);
        if (w.ffn_post_norm) h = rms_norm(h, w.ffn_post_norm, "ffn_post_norm", i);
        x = ggml_add(ctx, x, h);
        if (inputs.control && il >= shape.first_control && il <= shape.last_control) {
            // Steering, as llama.cpp's control vectors: this layer's direction added to every row.
            x = ggml_add(ctx, x, ggml_view_1d(ctx, inputs.control, hp.n_embd, inputs.control->nb[1] * il));
        }
        x = name(x, "l_out", i);  // [n_embd, n_tokens]
    }
    return x;
}

ggml_tensor * GraphBuilder::ffn_gated(int layer, const LayerWeights & w, ggml_tensor * x, bool gelu) {
    ggml_tensor * act;
    if (w.ffn_gate) {
        ggml_tensor * gate = name(ggml_mul_mat(ctx, w.ffn_gate, x), "ffn_gate", layer);   // [n_ff, n_tokens]
        ggml_tensor * up = name(ggml_mul_mat(ctx, w.ffn_up, x), "ffn_up", layer);         // [n_ff, n_tokens]
        act = gelu ? ggml_geglu_split(ctx, gate, up) : ggml_swiglu_split(ctx, gate, up);  // [n_ff, n_tokens]
    } else {
        ggml_tensor * gate_up = name(ggml_mul_mat(ctx, w.ffn_up, x), "ffn_up", layer);  // [2*n_ff, n_tokens]: gate, then up
        act = gelu ? ggml_geglu(ctx, gate_up) : ggml_swiglu(ctx, gate_up);              // [n_ff, n_tokens]
    }
    name(act, "ffn_act", layer);
    return name(ggml_mul_mat(ctx, w.ffn_down, act), "ffn_out", layer);  // [n_embd, n_tokens]
}

ggml_tensor * GraphBuilder::output_rows(ggml_tensor * x) {
    return inputs.out_ids && x->ne[1] == n_tokens ? ggml_get_rows(ctx, x, inputs.out_ids) : x;  // [n, n_outputs]
}

ggml_tensor * GraphBuilder::output_head(ggml_tensor * x) {
    ggml_tensor * cur = rms_norm(output_rows(x), model.weights().output_norm, "result_norm", -1);
    if (shape.skip_head) return cur;                       // [n_embd, n_outputs]
    cur = ggml_mul_mat(ctx, model.weights().output, cur);  // [n_vocab, n_outputs]
    if (hp.final_softcap > 0.0f) cur = ggml_scale(ctx, ggml_tanh(ctx, ggml_scale(ctx, cur, 1.0f / hp.final_softcap)), hp.final_softcap);
    return name(cur, "result_output");
}

}  // namespace fathom
