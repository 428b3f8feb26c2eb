// Text -> vector. The model's per-token embeddings (a decoder's final-norm output,
// as llama.cpp's embeddings; an encoder's last block) pooled into one vector per
// text: mean, the first token (CLS), the last token, or none (every token's row).
import { describe, invalidArgument } from './errors.js';
import type { Evaluator } from './evaluator.js';
import type { GgufInfo } from './gguf/gguf-info.js';
import { checkOptions, type KeySet } from './options.js';
import { checkFitsSequence, type Prompt } from './prompt.js';

export type Pooling = 'mean' | 'cls' | 'last' | 'none';

export interface EmbedOptions {
  /** Default: the model's own ("<arch>.pooling_type"), else 'last' for decoders (as llama.cpp) and 'mean' for encoders. */
  pooling?: Pooling;
  /** Scale each vector to unit length (so a dot product is the cosine). Default: true. */
  normalize?: boolean;
  signal?: AbortSignal;
}

const EMBED_KEYS = { pooling: true, normalize: true, signal: true } as const satisfies KeySet<EmbedOptions>;
const POOLING_TYPES: Record<number, Pooling> = { 1: 'mean', 2: 'cls', 3: 'last' };

/** The pooling a model file asks for (`encoder`: the engine runs it as an encoder-only model). */
export function modelPooling(info: GgufInfo, encoder: boolean): Pooling {
  const stored = info.metadata[`${info.architecture}.pooling_type`];
  const pooling = typeof stored === 'number' ? POOLING_TYPES[stored] : undefined;
  if (pooling) return pooling;
  return info.metadata[`${info.architecture}.attention.causal`] === false || encoder ? 'mean' : 'last';
}

function pool(rows: Float32Array, n: number, width: number, pooling: Pooling): Float32Array {
  if (pooling === 'none') return rows;
  if (pooling === 'cls') return rows.slice(0, width);
  if (pooling === 'last') return rows.slice((n - 1) * width, n * width);
  const out = new Float32Array(width);
  for (let t = 0; t < n; t++) for (let i = 0; i < width; i++) out[i]! += rows[t * width + i]! / n;
  return out;
}

function normalizeRows(v: Float32Array, width: number): Float32Array {
  for (let start = 0; start < v.length; start += width) {
    let sum = 0;
    for (let i = start; i < start + width; i++) sum += v[i]! * v[i]!;
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let i = start; i < start + width; i++) v[i]! *= scale;
  }
  return v;
}

/** Tokens of an embedded text: BOS and EOS as the vocabulary asks (for BERT: [CLS] … [SEP]). */
function embeddingTokens(context: Evaluator, text: Prompt): number[] {
  if (typeof text === 'string') return context.tokenizer.tokenize(text);
  if (!Array.isArray(text) || text.length === 0) throw invalidArgument('each text must be a string or a non-empty array of token ids');
  context.tokenizer.checkTokens(text);
  return [...text];
}

/** One text's embedding: a vector, or with pooling 'none' one row per token ([n_embd] views of one buffer). */
export type Embedding = Float32Array | Float32Array[];

async function embed(context: Evaluator, pooling: Pooling, text: Prompt, options: EmbedOptions): Promise<Embedding> {
  const tokens = embeddingTokens(context, text);
  checkFitsSequence(tokens.length, context.contextSize, 'text');
  const { embedding: width } = context.modelShape;
  const result = await context.exclusive({
    tokens,
    reusable: false,
    signal: options.signal,
    run: (native, sequence) => native.inspect(sequence, Int32Array.from(tokens), { hidden: [], attention: [], embeddings: true }),
  });
  const vector = pool(result.embeddings!, tokens.length, width, pooling);
  const normalized = options.normalize === false ? vector : normalizeRows(vector, width);
  if (pooling !== 'none') return normalized;
  return Array.from({ length: tokens.length }, (_, t) => normalized.subarray(t * width, (t + 1) * width));
}

export async function embedAll(
  context: Evaluator,
  defaultPooling: Pooling,
  input: Prompt | readonly Prompt[],
  options: EmbedOptions = {},
): Promise<Embedding | Embedding[]> {
  checkOptions(options, EMBED_KEYS, 'embed options');
  const pooling = options.pooling ?? defaultPooling;
  if (!['mean', 'cls', 'last', 'none'].includes(pooling)) throw invalidArgument(`pooling must be 'mean', 'cls', 'last' or 'none', got ${describe(pooling)}`);
  if (options.normalize !== undefined && typeof options.normalize !== 'boolean') throw invalidArgument('normalize must be a boolean');
  // One text: a string or token ids; several: an array of those.
  const several = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number';
  if (!several) return embed(context, pooling, input as Prompt, options);
  const out: Embedding[] = [];
  for (const text of input as readonly Prompt[]) out.push(await embed(context, pooling, text, options));
  return out;
}

/** Cosine similarity of two vectors of one length (1: same direction, 0: orthogonal, -1: opposite). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (const [name, v] of [
    ['a', a],
    ['b', b],
  ] as const) {
    if (!(Array.isArray(v) || ArrayBuffer.isView(v)))
      throw invalidArgument(`cosineSimilarity: ${name} must be an array or typed array of numbers, got ${describe(v)}`);
  }
  if (a.length !== b.length || a.length === 0)
    throw invalidArgument(`cosineSimilarity needs two non-empty vectors of one length, got ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
