// A context: a KV cache with one or more sequences, and the public face of what runs on
// it. The queue and batching are the Scheduler's; each feature (generation, scoring,
// inspection) is a module that takes the scheduler as its Evaluator. This file only
// binds them together, so that no feature ever imports the context.
import type { Evaluator, ModelShape } from './evaluator.js';
import { complete, generate, type CompletionResult, type FinishReason, type GenerationChunk, type JsonCompletionResult } from './generation.js';
import type { JsonGrammar } from './grammar/grammar.js';
import { inspect, logitLens, type InspectOptions, type Inspection, type LensOptions } from './inspection.js';
import type { NativeContext } from './native/contract.js';
import type { Prompt, TokenAlternative } from './prompt.js';
import type { GenerateOptions } from './sampling-options.js';
import { Scheduler, type ContextStats } from './scheduler.js';
import { perplexity, score, type PerplexityOptions, type PerplexityResult, type ScoreOptions, type ScoreResult } from './scoring.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

export type { ContextStats } from './scheduler.js';

export interface ContextOptions {
  /** KV cache positions per sequence. Default: min(model's training context, 4096). */
  contextSize?: number;
  /** Sequences decoded side by side (concurrent generations batched together). Default: 1. */
  sequences?: number;
  /** Most tokens evaluated as one graph. Default: 512. */
  batchSize?: number;
  /** CPU threads for compute. Default: all available cores, at most 4. */
  threads?: number;
}

export class Context {
  readonly #scheduler: Scheduler;
  readonly #onDispose: (context: Context) => void;

  /** Made by model.createContext(); not for direct use. */
  constructor(native: NativeContext, tokenizer: Tokenizer, modelShape: ModelShape, onDispose: (context: Context) => void) {
    this.#scheduler = new Scheduler(native, tokenizer, modelShape);
    this.#onDispose = onDispose;
  }

  get tokenizer(): Tokenizer {
    return this.#scheduler.tokenizer;
  }

  get modelShape(): ModelShape {
    return this.#scheduler.modelShape;
  }

  /** Positions per sequence. */
  get contextSize(): number {
    return this.#scheduler.contextSize;
  }

  get sequences(): number {
    return this.#scheduler.sequences;
  }

  get disposed(): boolean {
    return this.#scheduler.disposed;
  }

  /** Counters since the context was made. */
  get stats(): ContextStats {
    return this.#scheduler.stats;
  }

  /** @internal What features run on (the scheduler of this context's sequences). */
  get evaluator(): Evaluator {
    return this.#scheduler;
  }

  /**
   * Streams generated text; see GenerateOptions. Generations started together on a
   * context with several sequences are decoded in the same batches.
   */
  generate(prompt: Prompt, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
    return generate(this.#scheduler, prompt, options);
  }

  /**
   * Generates to the end and returns the whole text. An abort resolves with finishReason 'abort'.
   * With a JSON grammar the result also holds the parsed value (`result.json`).
   */
  complete<T>(prompt: Prompt, options: GenerateOptions & { grammar: JsonGrammar<T> }): Promise<JsonCompletionResult<T>>;
  complete(prompt: Prompt, options?: GenerateOptions): Promise<CompletionResult>;
  complete(prompt: Prompt, options: GenerateOptions = {}): Promise<CompletionResult> {
    return complete(this.#scheduler, prompt, options);
  }

  /** Per-token log-probabilities of a text; see Model.score. */
  score(text: Prompt, options: ScoreOptions = {}): Promise<ScoreResult> {
    return score(this.#scheduler, text, options);
  }

  /** Perplexity by llama.cpp's method; see Model.perplexity. */
  perplexity(text: string, options: PerplexityOptions = {}): Promise<PerplexityResult> {
    return perplexity(this.#scheduler, text, options);
  }

  /** Hidden states and attention of chosen layers; see Model.inspect. */
  inspect(text: Prompt, options: InspectOptions = {}): Promise<Inspection> {
    return inspect(this.#scheduler, text, options);
  }

  /** Top tokens per position read from one layer; see Model.logitLens. */
  logitLens(text: Prompt, layer: number, options: LensOptions = {}): Promise<TokenAlternative[][]> {
    return logitLens(this.#scheduler, text, layer, options);
  }

  /** Frees the KV cache now. Running generations reject with DISPOSED. */
  async dispose(): Promise<void> {
    await this.#scheduler.dispose();
    this.#onDispose(this);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
