// The probability of a given text: per-token log-probabilities (score) and
// llama.cpp's perplexity method (perplexity). Both evaluate on a context's
// sequence from position 0, a batch at a time, with every row's logits kept
// only long enough to take the log-probability of the next token.
import { resolveControl, type ControlVector } from './control-vector.js';
import { describe, invalidArgument } from './errors.js';
import type { Evaluator } from './evaluator.js';
import { checkOptions, type KeySet } from './options.js';
import { checkFitsSequence, MAX_TOP_K, promptTokens, tokenAlternative, type Prompt, type TokenAlternative } from './prompt.js';

export interface ScoreOptions {
  /** Also return the k most likely tokens at each position. Default: 0. */
  topK?: number;
  /** Steering applied while scoring. */
  control?: ControlVector;
  signal?: AbortSignal;
}

export interface ScoreResult {
  /** The scored tokens (a string prompt gets BOS as the vocabulary asks). */
  tokens: number[];
  /** [tokens.length - 1]: logprobs[i] = ln P(tokens[i + 1] | tokens[0..i]); the first token is not scored. */
  logprobs: Float32Array;
  sum: number;
  mean: number;
  /** exp(-mean). */
  perplexity: number;
  /** With topK: the most likely tokens at each scored position (what the model expected instead). */
  top?: TokenAlternative[][];
}

export interface PerplexityOptions {
  /** Tokens per chunk (llama.cpp's n_ctx). Default: 512, at most the context's size. */
  chunkSize?: number;
  /** At most this many chunks. Default: all. */
  chunks?: number;
  /** Called after each chunk. */
  onProgress?: (progress: { chunk: number; chunks: number; perplexity: number }) => void;
  signal?: AbortSignal;
}

export interface PerplexityResult {
  perplexity: number;
  /** Standard error of the estimate, as llama.cpp prints after "+/-". */
  error: number;
  chunks: number;
  chunkSize: number;
  /** Tokens scored (the second half of each chunk). */
  scored: number;
}

/** Per-token log-probabilities of a text under the model. */
const SCORE_KEYS = { topK: true, control: true, signal: true } as const satisfies KeySet<ScoreOptions>;
const PERPLEXITY_KEYS = { chunkSize: true, chunks: true, onProgress: true, signal: true } as const satisfies KeySet<PerplexityOptions>;

export async function score(context: Evaluator, text: Prompt, options: ScoreOptions = {}): Promise<ScoreResult> {
  checkOptions(options, SCORE_KEYS, 'score options');
  const { control, signal } = options;
  const asked = options.topK ?? 0;
  if (!(Number.isSafeInteger(asked) && asked >= 0 && asked <= MAX_TOP_K))
    throw invalidArgument(`topK must be an integer in [0, ${MAX_TOP_K}], got ${describe(asked)}`);
  const topK = Math.min(asked, context.modelShape.vocabulary); // the native side returns at most the vocabulary
  const tokens = promptTokens(context.tokenizer, text);
  if (tokens.length < 2) throw invalidArgument('scoring needs at least 2 tokens (the first one is not scored)');
  checkFitsSequence(tokens.length, context.contextSize, 'text');
  const native = control ? resolveControl(control, context.modelShape) : null;
  const scores = await context.exclusive({
    tokens: tokens.slice(0, -1), // the last token is never evaluated: nothing follows it
    reusable: true,
    control: native ?? null,
    signal,
    run: (nativeContext, sequence) => nativeContext.score(sequence, Int32Array.from(tokens), topK, native ?? undefined),
  });
  let sum = 0;
  for (const lp of scores.logprobs) sum += lp;
  const mean = sum / scores.logprobs.length;
  const result: ScoreResult = { tokens, logprobs: scores.logprobs, sum, mean, perplexity: Math.exp(-mean) };
  if (topK > 0) {
    result.top = Array.from(scores.logprobs, (_, i) =>
      Array.from({ length: topK }, (_, k) => tokenAlternative(context.tokenizer, scores.topIds[i * topK + k]!, scores.topLogprobs[i * topK + k]!)),
    );
  }
  return result;
}

/**
 * Perplexity by llama.cpp's method: the tokens (with BOS as the vocabulary asks) are cut into
 * chunks of chunkSize; each chunk is evaluated alone, its first token replaced by BOS when the
 * vocabulary adds one, and only the second half of its positions is scored.
 */
export async function perplexity(context: Evaluator, text: string, options: PerplexityOptions = {}): Promise<PerplexityResult> {
  if (typeof text !== 'string') throw invalidArgument('text must be a string');
  checkOptions(options, PERPLEXITY_KEYS, 'perplexity options');
  const { chunkSize = Math.min(512, context.contextSize), chunks: maxChunks = Infinity, onProgress, signal } = options;
  if (!(Number.isSafeInteger(chunkSize) && chunkSize >= 4)) throw invalidArgument(`chunkSize must be an integer >= 4, got ${describe(chunkSize)}`);
  if (!(maxChunks === Infinity || (Number.isSafeInteger(maxChunks) && maxChunks >= 1)))
    throw invalidArgument(`chunks must be a positive integer, got ${describe(maxChunks)}`);
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidArgument(`onProgress must be a function, got ${describe(onProgress)}`);
  if (chunkSize > context.contextSize) throw invalidArgument(`chunkSize ${chunkSize} is larger than the context (${context.contextSize})`);
  const tokens = context.tokenizer.tokenize(text, { addEos: false });
  if (tokens.length < 2 * chunkSize) {
    throw invalidArgument(
      `the text has ${tokens.length} tokens; perplexity with chunks of ${chunkSize} needs at least ${2 * chunkSize} (two chunks). ` +
        `Pass a smaller chunkSize (at least 4), or use score(text).perplexity, which scores every token of a short text at once`,
    );
  }
  const { addBos, special } = context.tokenizer.vocabulary;
  const chunks = Math.min(Math.floor(tokens.length / chunkSize), maxChunks);
  const first = Math.floor(chunkSize / 2);
  let nll = 0;
  let nll2 = 0;
  let count = 0;
  for (let c = 0; c < chunks; c++) {
    const chunk = tokens.slice(c * chunkSize, (c + 1) * chunkSize);
    if (addBos && special.bos !== null) chunk[0] = special.bos;
    const { logprobs } = await score(context, chunk, { signal });
    for (let j = first; j < chunkSize - 1; j++) {
      const v = -logprobs[j]!;
      nll += v;
      nll2 += v * v;
      count++;
    }
    onProgress?.({ chunk: c + 1, chunks, perplexity: Math.exp(nll / count) });
  }
  const mean = nll / count;
  const variance = nll2 / count - mean * mean;
  const ppl = Math.exp(mean);
  return { perplexity: ppl, error: variance > 0 ? Math.sqrt(variance / (count - 1)) * ppl : 0, chunks, chunkSize, scored: count };
}
