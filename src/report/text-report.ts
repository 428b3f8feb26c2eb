// Collects what the HTML report shows about a text: each token's surprisal and
// the model's top alternatives there, and the attention probabilities of every
// (or chosen) layer and head, quantized to bytes to keep the page small.
import { describe, invalidArgument } from '../errors.js';
import type { Evaluator } from '../evaluator.js';
import { checkIndex, inspect } from '../inspection.js';
import { checkOptions, type KeySet } from '../options.js';
import { MAX_TOP_K, type Prompt } from '../prompt.js';
import { score } from '../scoring.js';

export interface TextReportData {
  model: string;
  layers: number[];
  heads: number;
  tokens: { text: string; control: boolean; surprisal: number | null; probability: number | null; top: { text: string; probability: number }[] }[];
  perplexity: number;
  /** Per entry of `layers`: base64 of [heads × n × n] bytes, probability × 255 rounded. */
  attention: string[];
}

export interface TextReportOptions {
  /** Layers whose attention to include. Default: all. */
  layers?: readonly number[];
  /** Alternatives shown per token. Default: 5. */
  topK?: number;
  signal?: AbortSignal;
}

const REPORT_KEYS = { layers: true, topK: true, signal: true } as const satisfies KeySet<TextReportOptions>;

// Attention of every layer and head is n² bytes each: keep the page under this size.
const MAX_ATTENTION_BYTES = 64 << 20;

export async function collectTextReport(context: Evaluator, modelName: string, text: Prompt, options: TextReportOptions = {}): Promise<TextReportData> {
  checkOptions(options, REPORT_KEYS, 'textReport options');
  const { layers: layerCount, heads } = context.modelShape;
  const layers = options.layers ? [...options.layers] : Array.from({ length: layerCount }, (_, i) => i);
  for (const layer of layers) checkIndex('layers: each layer', layer, layerCount);
  const topK = options.topK ?? 5;
  if (!(Number.isSafeInteger(topK) && topK >= 1 && topK <= MAX_TOP_K))
    throw invalidArgument(`topK must be an integer in [1, ${MAX_TOP_K}], got ${describe(topK)}`);
  const scored = await score(context, text, { topK, signal: options.signal });
  const n = scored.tokens.length;
  if (layers.length * heads * n * n > MAX_ATTENTION_BYTES) {
    throw invalidArgument(`attention for ${layers.length} layers × ${heads} heads × ${n}² tokens is too large for a page; pass fewer layers or a shorter text`);
  }
  const inspection = await inspect(context, scored.tokens, { attention: layers, signal: options.signal });
  const attention = layers.map((layer) => {
    const probabilities = inspection.attention.get(layer)!;
    const bytes = new Uint8Array(probabilities.length);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(Math.min(1, Math.max(0, probabilities[i]!)) * 255);
    return Buffer.from(bytes).toString('base64');
  });
  return {
    model: modelName,
    layers,
    heads,
    perplexity: scored.perplexity,
    attention,
    tokens: inspection.pieces.map((piece, i) => {
      const logprob = i === 0 ? null : scored.logprobs[i - 1]!;
      return {
        text: piece,
        control: context.tokenizer.piece(scored.tokens[i]!).length === 0 && piece.length > 0, // shown only with special: a control token
        surprisal: logprob === null ? null : -logprob / Math.LN2,
        probability: logprob === null ? null : Math.exp(logprob),
        top: i === 0 ? [] : scored.top![i - 1]!.map((t) => ({ text: t.text, probability: Math.exp(t.logprob) })),
      };
    }),
  };
}
