// Synthesizes random-weight models in real architectures and shapes, with a real
// vocabulary copied from another GGUF file, quantized with ggml's own quantizers.
// Speed does not depend on weight values, and tests compare two engines on the
// same file, so random weights are enough; their scale is chosen so that the next
// token distribution is peaked (greedy choices are clear, not coin flips).
import { invalidArgument } from '../errors.js';
import type { GgufInfo } from '../gguf/gguf-info.js';
import { readGguf } from '../gguf/read-gguf.js';
import { gguf, storedValue, writeGguf, type GgufTensorToWrite, type GgufWritableValue } from '../gguf/write-gguf.js';
import { quantizeRows } from '../native/addon.js';

export interface SyntheticShape {
  embedding: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number;
  contextLength: number;
  ropeBase?: number;
  /** No output.weight: the head reuses the embeddings. */
  tiedEmbeddings?: boolean;
}

/** Real shapes for benchmarks (with the architecture they belong to), and small ones for tests (row lengths multiples of 256 so K-quants apply). */
export const SHAPES: Record<string, SyntheticShape & { architecture?: SyntheticArchitecture; vocabulary?: string }> = {
  tiny: { embedding: 256, layers: 2, heads: 4, kvHeads: 2, feedForward: 512, contextLength: 512 },
  'tinyllama-1.1b': {
    architecture: 'llama',
    vocabulary: 'llama-spm',
    embedding: 2048,
    layers: 22,
    heads: 32,
    kvHeads: 4,
    feedForward: 5632,
    contextLength: 2048,
  },
  'llama-3.2-1b': {
    architecture: 'llama',
    vocabulary: 'llama-bpe',
    embedding: 2048,
    layers: 16,
    heads: 32,
    kvHeads: 8,
    feedForward: 8192,
    contextLength: 131072,
    ropeBase: 500000,
    tiedEmbeddings: true,
  },
  'qwen2.5-0.5b': {
    architecture: 'qwen2',
    vocabulary: 'qwen2',
    embedding: 896,
    layers: 24,
    heads: 14,
    kvHeads: 2,
    feedForward: 4864,
    contextLength: 32768,
    ropeBase: 1000000,
    tiedEmbeddings: true,
  },
};

/**
 * Architectures the synthesizer can write: the llama block, plus Qwen2's Q/K/V biases, Qwen3's
 * Q/K norms, Phi-3's fused QKV and gate/up matrices, or Gemma 2/3's post-norms (tied head,
 * sliding window of 8 positions on every other layer so that it matters in short tests).
 */
export type SyntheticArchitecture = 'llama' | 'qwen2' | 'qwen3' | 'phi3' | 'gemma2' | 'gemma3' | 'bert';
const ARCHITECTURES: SyntheticArchitecture[] = ['llama', 'qwen2', 'qwen3', 'phi3', 'gemma2', 'gemma3', 'bert'];

export interface SynthesizeOptions {
  architecture?: SyntheticArchitecture;
  shape: SyntheticShape;
  /** A GGUF file whose tokenizer.* metadata (the vocabulary) is copied. */
  vocabularyFrom: string;
  /** ggml type of the weight matrices ("F32", "F16", "Q8_0", "Q4_K", ...); norms stay F32. */
  type?: string;
  seed?: number;
  /** Add RoPE frequency factors (rope_freqs.weight), as Llama 3.1+ files carry. */
  ropeFactors?: boolean;
  /** The chat template the file carries (tokenizer.chat_template), instead of the vocabulary file's. */
  chatTemplate?: string;
}

/** mulberry32: a small, fast, seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n samples of N(mean, std) (sum of four uniforms: close enough to normal, and fast). */
function gaussian(random: () => number, n: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(n);
  const scale = std * Math.sqrt(3); // four U(0,1) have variance 1/3
  for (let i = 0; i < n; i++) out[i] = mean + (random() + random() + random() + random() - 2) * scale;
  return out;
}

function vocabularyMetadata(info: GgufInfo, chatTemplate: string | undefined): Record<string, GgufWritableValue> {
  const out: Record<string, GgufWritableValue> = {};
  for (const [key, value] of Object.entries(info.metadata)) {
    if (key.startsWith('tokenizer.')) out[key] = storedValue(value, info.metadataTypes[key]);
  }
  if (chatTemplate !== undefined) out['tokenizer.chat_template'] = gguf.string(chatTemplate);
  return out;
}

/** Writes a random-weight model to `path`. */
export async function synthesizeModel(path: string, options: SynthesizeOptions): Promise<void> {
  const { shape, type = 'F32', seed = 1, architecture = 'llama' } = options;
  if (!ARCHITECTURES.includes(architecture)) throw invalidArgument(`cannot synthesize architecture '${architecture}' yet`);
  const vocabInfo = await readGguf(options.vocabularyFrom);
  const tokens = vocabInfo.metadata['tokenizer.ggml.tokens'];
  if (!Array.isArray(tokens)) throw invalidArgument(`${options.vocabularyFrom} has no vocabulary`);
  const nVocab = tokens.length;
  const { embedding: E, heads, kvHeads, feedForward: F } = shape;
  const headDim = E / heads;
  const random = prng(seed);

  const matrix = (name: string, cols: number, rows: number, std: number): GgufTensorToWrite => ({
    name,
    type,
    shape: [cols, rows],
    data: async () => {
      const floats = gaussian(random, cols * rows, std);
      return type === 'F32' ? new Uint8Array(floats.buffer) : quantizeRows(type, floats, cols);
    },
  });
  const vector = (name: string, n: number, std: number, mean: number): GgufTensorToWrite => ({
    name,
    type: 'F32',
    shape: [n],
    data: () => new Uint8Array(gaussian(random, n, std, mean).buffer),
  });
  const norm = (name: string) => vector(name, E, 0.1, 1);

  if (architecture === 'bert') {
    await writeGguf(path, bertModel({ shape, nVocab, matrix, vector, type, vocabulary: vocabularyMetadata(vocabInfo, options.chatTemplate) }));
    return;
  }
  const gemma = architecture === 'gemma2' || architecture === 'gemma3';
  // A tied head (Gemma) makes the embeddings the output matrix too: keep them small (they are scaled by sqrt(n_embd) on input).
  const tensors: GgufTensorToWrite[] = [matrix('token_embd.weight', E, nVocab, gemma ? 1 / Math.sqrt(E) : 1)];
  // Llama-3-style factors: 1 for high frequencies rising to 8 for the lowest.
  if (options.ropeFactors)
    tensors.push({
      name: 'rope_freqs.weight',
      type: 'F32',
      shape: [headDim / 2],
      data: () => new Uint8Array(Float32Array.from({ length: headDim / 2 }, (_, i) => 1 + (7 * i) / (headDim / 2 - 1)).buffer),
    });
  const fused = architecture === 'phi3';
  const kv = kvHeads * headDim;
  for (let l = 0; l < shape.layers; l++) {
    const blk = (s: string) => `blk.${l}.${s}`;
    tensors.push(
      norm(blk('attn_norm.weight')),
      ...(fused
        ? [matrix(blk('attn_qkv.weight'), E, E + 2 * kv, 1 / Math.sqrt(E))]
        : [
            matrix(blk('attn_q.weight'), E, E, 1 / Math.sqrt(E)),
            matrix(blk('attn_k.weight'), E, kv, 1 / Math.sqrt(E)),
            matrix(blk('attn_v.weight'), E, kv, 1 / Math.sqrt(E)),
          ]),
      matrix(blk('attn_output.weight'), E, E, 1 / Math.sqrt(E)),
      ...(architecture === 'qwen2'
        ? [vector(blk('attn_q.bias'), E, 0.1, 0), vector(blk('attn_k.bias'), kv, 0.1, 0), vector(blk('attn_v.bias'), kv, 0.1, 0)]
        : []),
      ...(architecture === 'qwen3' || architecture === 'gemma3'
        ? [vector(blk('attn_q_norm.weight'), headDim, 0.1, 1), vector(blk('attn_k_norm.weight'), headDim, 0.1, 1)]
        : []),
      // Post-norm gains of ~2 let the blocks outweigh the (tied) input embedding, so the model
      // does not simply predict its input token again.
      ...(gemma ? [vector(blk('post_attention_norm.weight'), E, 0.2, 2), vector(blk('post_ffw_norm.weight'), E, 0.2, 2)] : []),
      norm(blk('ffn_norm.weight')),
      ...(fused
        ? [matrix(blk('ffn_up.weight'), E, 2 * F, 1 / Math.sqrt(E))]
        : [matrix(blk('ffn_gate.weight'), E, F, 1 / Math.sqrt(E)), matrix(blk('ffn_up.weight'), E, F, 1 / Math.sqrt(E))]),
      matrix(blk('ffn_down.weight'), F, E, 1 / Math.sqrt(F)),
    );
  }
  tensors.push(norm('output_norm.weight'));
  if (!gemma && !shape.tiedEmbeddings) tensors.push(matrix('output.weight', E, nVocab, 3 / Math.sqrt(E)));

  const arch = architecture;
  await writeGguf(path, {
    metadata: {
      'general.architecture': arch,
      'general.name': `fathom synthetic ${arch} ${E}x${shape.layers} ${type}`,
      [`${arch}.context_length`]: gguf.u32(shape.contextLength),
      [`${arch}.embedding_length`]: gguf.u32(E),
      [`${arch}.block_count`]: gguf.u32(shape.layers),
      [`${arch}.feed_forward_length`]: gguf.u32(F),
      [`${arch}.attention.head_count`]: gguf.u32(heads),
      [`${arch}.attention.head_count_kv`]: gguf.u32(kvHeads),
      [`${arch}.rope.dimension_count`]: gguf.u32(headDim),
      [`${arch}.rope.freq_base`]: gguf.f32(shape.ropeBase ?? 10000),
      [`${arch}.attention.layer_norm_rms_epsilon`]: gguf.f32(1e-5),
      ...(gemma
        ? {
            [`${arch}.attention.sliding_window`]: gguf.u32(8),
            [`${arch}.attention.sliding_window_pattern`]: gguf.u32(2),
            [`${arch}.rope.freq_base_swa`]: gguf.f32(1000),
            ...(architecture === 'gemma2' ? { [`${arch}.attn_logit_softcapping`]: gguf.f32(50), [`${arch}.final_logit_softcapping`]: gguf.f32(30) } : {}),
          }
        : {}),
      ...vocabularyMetadata(vocabInfo, options.chatTemplate),
    },
    tensors,
  });
}

interface BertParts {
  shape: SyntheticShape;
  nVocab: number;
  matrix: (name: string, cols: number, rows: number, std: number) => GgufTensorToWrite;
  vector: (name: string, n: number, std: number, mean: number) => GgufTensorToWrite;
  type: string;
  vocabulary: Record<string, GgufWritableValue>;
}

/** A BERT encoder (bge-style: learned positions, two token types, post-norm blocks, mean pooling). */
function bertModel({ shape, nVocab, matrix, vector, type, vocabulary }: BertParts) {
  const { embedding: E, feedForward: F } = shape;
  const norm = (name: string) => [vector(`${name}.weight`, E, 0.1, 1), vector(`${name}.bias`, E, 0.1, 0)];
  const tensors: GgufTensorToWrite[] = [
    matrix('token_embd.weight', E, nVocab, 1),
    matrix('token_types.weight', E, 2, 0.5),
    matrix('position_embd.weight', E, shape.contextLength, 0.5),
    ...norm('token_embd_norm'),
  ];
  for (let l = 0; l < shape.layers; l++) {
    const blk = (s: string) => `blk.${l}.${s}`;
    for (const part of ['attn_q', 'attn_k', 'attn_v', 'attn_output']) {
      tensors.push(matrix(blk(`${part}.weight`), E, E, 1 / Math.sqrt(E)), vector(blk(`${part}.bias`), E, 0.1, 0));
    }
    tensors.push(
      ...norm(blk('attn_output_norm')),
      matrix(blk('ffn_up.weight'), E, F, 1 / Math.sqrt(E)),
      vector(blk('ffn_up.bias'), F, 0.1, 0),
      matrix(blk('ffn_down.weight'), F, E, 1 / Math.sqrt(F)),
      vector(blk('ffn_down.bias'), E, 0.1, 0),
      ...norm(blk('layer_output_norm')),
    );
  }
  return {
    metadata: {
      'general.architecture': 'bert',
      'general.name': `fathom synthetic bert ${E}x${shape.layers} ${type}`,
      'bert.context_length': gguf.u32(shape.contextLength),
      'bert.embedding_length': gguf.u32(E),
      'bert.block_count': gguf.u32(shape.layers),
      'bert.feed_forward_length': gguf.u32(F),
      'bert.attention.head_count': gguf.u32(shape.heads),
      'bert.attention.layer_norm_epsilon': gguf.f32(1e-12),
      'bert.attention.causal': gguf.bool(false),
      'bert.pooling_type': gguf.u32(1),
      ...vocabulary,
      'tokenizer.ggml.token_type_count': gguf.u32(2),
    },
    tensors,
  };
}
