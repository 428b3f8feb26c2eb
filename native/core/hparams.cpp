// See hparams.h.
#include "hparams.h"

#include <cmath>

#include "error.h"
#include "gguf-file.h"

namespace fathom {

void Hparams::set_swa_period(uint32_t period) {
    swa_layers.assign(n_layer, false);
    for (uint32_t il = 0; il < n_layer; il++) swa_layers[il] = period == 0 || il % period < period - 1;
}

Hparams load_hparams(const GgufFile & file, const std::string & arch) {
    const auto key = [&](const char * suffix) { return arch + "." + suffix; };
    const auto invalid = [&](const std::string & what) { return Error(codes::INVALID_GGUF, file.path() + ": " + what); };

    Hparams hp;
    hp.architecture = arch;
    hp.n_ctx_train = file.get_u32(key("context_length"));
    hp.n_embd = file.get_u32(key("embedding_length"));
    hp.n_layer = file.get_u32(key("block_count"));
    hp.n_ff = file.get_u32(key("feed_forward_length"));
    hp.n_head = file.get_u32(key("attention.head_count"));
    hp.n_head_kv = file.get_u32(key("attention.head_count_kv"), hp.n_head);
    if (hp.n_embd == 0 || hp.n_layer == 0 || hp.n_ff == 0) throw invalid("embedding_length, block_count and feed_forward_length must be positive");
    // Each block has several tensors, so a count beyond the tensor table is corrupt (and would size vectors from garbage).
    if (hp.n_layer > gguf_get_n_tensors(file.gguf())) {
        throw invalid(key("block_count") + " (" + std::to_string(hp.n_layer) + ") exceeds the number of tensors in the file");
    }
    if (hp.n_head == 0 || hp.n_head_kv == 0 || hp.n_head % hp.n_head_kv != 0) {
        throw invalid(key("attention.head_count") + " (" + std::to_string(hp.n_head) + ") must be a positive multiple of " + key("attention.head_count_kv") +
                      " (" + std::to_string(hp.n_head_kv) + ")");
    }
    if (hp.n_embd % hp.n_head != 0 && !file.has(key("attention.key_length"))) {
        throw invalid(key("embedding_length") + " is not divisible by the head count");
    }
    hp.n_embd_head_k = file.get_u32(key("attention.key_length"), hp.n_embd / hp.n_head);
    hp.n_embd_head_v = file.get_u32(key("attention.value_length"), hp.n_embd / hp.n_head);
    hp.n_rot = file.get_u32(key("rope.dimension_count"), hp.n_embd_head_k);
    // Caps far above any real model keep every product below in int32 range, so no
    // ggml shape computation can wrap (ggml asserts on the wrapped shapes).
    const auto cap = [&](const char * what, uint64_t value, uint64_t limit) {
        if (value > limit) throw invalid(key(what) + " (" + std::to_string(value) + ") exceeds the supported maximum " + std::to_string(limit));
    };
    cap("embedding_length", hp.n_embd, 1u << 20);
    cap("feed_forward_length", hp.n_ff, 1u << 22);
    cap("attention.head_count", hp.n_head, 1u << 12);
    cap("attention.key_length", hp.n_embd_head_k, 1u << 14);
    cap("attention.value_length", hp.n_embd_head_v, 1u << 14);
    cap("block_count", hp.n_layer, 1u << 12);
    if (hp.n_embd_head_k == 0 || hp.n_embd_head_v == 0) throw invalid("attention key/value head widths must be positive");
    if (hp.n_rot == 0 || hp.n_rot > hp.n_embd_head_k || hp.n_rot % 2 != 0) {
        throw invalid(key("rope.dimension_count") + " (" + std::to_string(hp.n_rot) + ") must be even, positive and at most the head width " +
                      std::to_string(hp.n_embd_head_k));
    }
    // The vocabulary size: explicit, or the length of the token list.
    hp.n_vocab = file.has(key("vocab_size")) ? file.get_u32(key("vocab_size")) : file.array_length("tokenizer.ggml.tokens");
    if (hp.n_vocab == 0) throw invalid("the vocabulary is empty");
    cap("vocab_size", hp.n_vocab, 1u << 24);
    hp.rope_freq_base = file.get_f32(key("rope.freq_base"), 10000.0f);
    // Linear RoPE scaling is stored as a factor; ggml wants its inverse.
    const float scale = file.get_f32(key("rope.scaling.factor"), file.get_f32(key("rope.scale_linear"), 0.0f));
    const std::string scaling_type = file.get_string(key("rope.scaling.type"), "linear");
    if (scaling_type != "linear" && scaling_type != "none" && scale != 0.0f && scale != 1.0f) {
        throw Error(codes::UNSUPPORTED_ARCHITECTURE, file.path() + ": RoPE scaling type '" + scaling_type + "' is not supported yet");
    }
    if (!std::isfinite(scale) || scale < 0) throw invalid(key("rope.scaling.factor") + " must be a finite number >= 0");
    hp.rope_freq_scale = (scale == 0.0f || scaling_type == "none") ? 1.0f : 1.0f / scale;
    hp.norm_rms_eps = file.get_f32(key("attention.layer_norm_rms_epsilon"), 1e-5f);
    hp.n_ctx_orig = file.get_u32(key("rope.scaling.original_context_length"), hp.n_ctx_train);
    hp.pooling = file.get_u32(key("pooling_type"), 0);
    if (hp.pooling > 3) throw invalid(key("pooling_type") + " (" + std::to_string(hp.pooling) + ") is not none, mean, cls or last");
    hp.rope_freq_base_swa = file.get_f32(key("rope.freq_base_swa"), hp.rope_freq_base);
    hp.rope_freq_scale_swa = hp.rope_freq_scale;
    if (!(hp.rope_freq_base > 0) || !std::isfinite(hp.rope_freq_base)) throw invalid(key("rope.freq_base") + " must be a positive number");
    if (!(hp.norm_rms_eps > 0) || !std::isfinite(hp.norm_rms_eps)) throw invalid(key("attention.layer_norm_rms_epsilon") + " must be positive");
    return hp;
}

}  // namespace fathom
