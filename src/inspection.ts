// Looking inside a forward pass: the residual stream after chosen layers and
// the attention probabilities of chosen layers, read from the named tensors of
// our own graph ("blk.N.l_out", "blk.N.kq_soft_max"; those layers take the plain
// softmax path instead of flash attention), and the logit lens, which reads a
// hidden state through the final norm and output head.
import { resolveControl, type ControlVector } from './control-vector.js';
import { describe, invalidArgument } from './errors.js';
import type { Evaluator } from './evaluator.js';
import { checkBoolean, checkOptions, type KeySet } from './options.js';
import { checkFitsSequence, MAX_TOP_K, promptTokens, tokenAlternative, type Prompt, type TokenAlternative } from './prompt.js';

export interface InspectOptions {
  /** Layers whose output (residual stream) to return: true = all. */
  hidden?: boolean | readonly number[];
  /** Layers whose attention probabilities to return: true = all. */
  attention?: boolean | readonly number[];
  /** Also return the logits of every position. */
  logits?: boolean;
  control?: ControlVector;
  signal?: AbortSignal;
}

export interface Inspection {
  tokens: number[];
  /** Each token's text as it appears in the whole (spaces included; a character split over byte
   * tokens belongs to the token that completes it; control tokens as their text). */
  pieces: string[];
  embeddingLength: number;
  headCount: number;
  /** Layer -> [n_tokens × embeddingLength], row t the residual stream after the layer at token t. */
  hidden: Map<number, Float32Array>;
  /** Layer -> [headCount × n_tokens × n_tokens]: [h][q][k] = how much query token q attends to key token k. */
  attention: Map<number, Float32Array>;
  /** With logits: [n_tokens × n_vocab]. */
  logits?: Float32Array;
  /** Row `token` of a layer's hidden states. */
  hiddenAt(layer: number, token: number): Float32Array;
  /** Query token `token`'s attention over all tokens, for one head of one layer. */
  attentionAt(layer: number, head: number, token: number): Float32Array;
}

export interface LensOptions {
  /** Top tokens per position. Default: 5. */
  topK?: number;
  signal?: AbortSignal;
}

const INSPECT_KEYS = { hidden: true, attention: true, logits: true, control: true, signal: true } as const satisfies KeySet<InspectOptions>;
const LENS_KEYS = { topK: true, signal: true } as const satisfies KeySet<LensOptions>;

// The most an inspection may return (attention, hidden states and logits together).
const MAX_INSPECTION_BYTES = 4 * 2 ** 30;

// INVALID_ARGUMENT unless `value` is an integer in [0, count).
export function checkIndex(name: string, value: unknown, count: number): void {
  if (!(Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < count)) {
    throw invalidArgument(`${name} must be an integer in [0, ${count - 1}], got ${describe(value)}`);
  }
}

function layerList(name: string, value: boolean | readonly number[] | undefined, layerCount: number): number[] {
  if (value === undefined || value === false) return [];
  if (value === true) return Array.from({ length: layerCount }, (_, i) => i);
  if (!Array.isArray(value) || !value.every((l) => Number.isSafeInteger(l) && l >= 0 && l < layerCount)) {
    throw invalidArgument(
      `${name} must be true or an array of layer indices in [0, ${layerCount - 1}], got ${Array.isArray(value) ? `[${value.map(describe).join(', ')}]` : describe(value)}`,
    );
  }
  return [...new Set(value)].sort((a, b) => a - b);
}

/** The most likely tokens of each row of [rows × n_vocab] logits. */
export function topTokens(context: Evaluator, logits: Float32Array, rows: number, topK: number): TokenAlternative[][] {
  const vocab = logits.length / rows;
  const out: TokenAlternative[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * vocab, (r + 1) * vocab);
    let max = -Infinity;
    for (const v of row) if (v > max) max = v;
    let sum = 0;
    for (const v of row) sum += Math.exp(v - max);
    const logNorm = max + Math.log(sum);
    const best: number[] = [];
    for (let id = 0; id < vocab; id++) {
      if (best.length < topK || row[id]! > row[best[best.length - 1]!]!) {
        let at = best.length;
        while (at > 0 && row[best[at - 1]!]! < row[id]!) at--;
        best.splice(at, 0, id);
        if (best.length > topK) best.pop();
      }
    }
    out.push(best.map((token) => tokenAlternative(context.tokenizer, token, row[token]! - logNorm)));
  }
  return out;
}

function tokenPieces(context: Evaluator, tokens: readonly number[]): string[] {
  const decoder = new TextDecoder();
  return tokens.map((t) => decoder.decode(context.tokenizer.piece(t, true), { stream: true }));
}

export async function inspect(context: Evaluator, text: Prompt, options: InspectOptions = {}): Promise<Inspection> {
  checkOptions(options, INSPECT_KEYS, 'inspect options');
  checkBoolean(options.logits, 'logits');
  const { layers, embedding, heads } = context.modelShape;
  const hiddenLayers = layerList('hidden', options.hidden, layers);
  const attentionLayers = layerList('attention', options.attention, layers);
  const tokens = promptTokens(context.tokenizer, text);
  checkFitsSequence(tokens.length, context.contextSize, 'text');
  // Everything asked for is held twice (native and JS) at once: refuse what cannot fit in memory.
  const n = tokens.length;
  const bytes = 4 * (attentionLayers.length * heads * n * n + hiddenLayers.length * n * embedding + (options.logits ? n * context.modelShape.vocabulary : 0));
  if (bytes > MAX_INSPECTION_BYTES) {
    throw invalidArgument(`inspecting ${n} tokens as asked needs ${(bytes / 2 ** 30).toFixed(1)} GiB; ask for fewer layers, no logits, or a shorter text`);
  }
  if (options.logits && context.modelShape.encoder) throw invalidArgument('an embedding model has no logits');
  const control = options.control ? resolveControl(options.control, context.modelShape) : null;
  const result = await context.exclusive({
    tokens,
    reusable: false, // inspected layers took the plain attention path: not bit-equal to a normal decode
    control,
    signal: options.signal,
    run: (native, sequence) =>
      native.inspect(
        sequence,
        Int32Array.from(tokens),
        { hidden: hiddenLayers, attention: attentionLayers, logits: options.logits ?? false },
        control ?? undefined,
      ),
  });
  const hidden = new Map(hiddenLayers.map((layer, i) => [layer, result.hidden[i]!]));
  const attention = new Map(attentionLayers.map((layer, i) => [layer, result.attention[i]!]));
  const take = <T>(map: Map<number, T>, layer: number, what: string): T => {
    checkIndex('layer', layer, layers);
    const value = map.get(layer);
    if (!value) throw invalidArgument(`layer ${layer}'s ${what} was not requested`);
    return value;
  };
  const inspection: Inspection = {
    tokens,
    pieces: tokenPieces(context, tokens),
    embeddingLength: embedding,
    headCount: heads,
    hidden,
    attention,
    hiddenAt: (layer, token) => {
      const rows = take(hidden, layer, 'hidden state');
      checkIndex('token', token, n);
      return rows.subarray(token * embedding, (token + 1) * embedding);
    },
    attentionAt: (layer, head, token) => {
      const probabilities = take(attention, layer, 'attention');
      checkIndex('head', head, heads);
      checkIndex('token', token, n);
      return probabilities.subarray((head * n + token) * n, (head * n + token + 1) * n);
    },
  };
  if (result.logits) inspection.logits = result.logits;
  return inspection;
}

/** Reads hidden states [rows × n_embd] through the final norm and output head: logits [rows × n_vocab]. */
export function lensLogits(context: Evaluator, hidden: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
  const { embedding } = context.modelShape;
  if (!(hidden instanceof Float32Array) || hidden.length === 0 || hidden.length % embedding !== 0) {
    throw invalidArgument(`hidden states must be a Float32Array of rows of ${embedding} values`);
  }
  const rows = hidden.length / embedding;
  return context.exclusive({ tokens: null, reusable: false, signal, run: (native) => native.logitLens(hidden, rows) });
}

/** The logit lens: what the model would predict at each position if it stopped after `layer`. */
export async function logitLens(context: Evaluator, text: Prompt, layer: number, options: LensOptions = {}): Promise<TokenAlternative[][]> {
  checkOptions(options, LENS_KEYS, 'logitLens options');
  checkIndex('layer', layer, context.modelShape.layers);
  const { topK = 5, signal } = options;
  if (!(Number.isSafeInteger(topK) && topK > 0 && topK <= MAX_TOP_K))
    throw invalidArgument(`topK must be an integer in [1, ${MAX_TOP_K}], got ${describe(topK)}`);
  const inspection = await inspect(context, text, { hidden: [layer], signal });
  const logits = await lensLogits(context, inspection.hidden.get(layer)!, signal);
  return topTokens(context, logits, inspection.tokens.length, topK);
}
