// The narrow seam every feature runs on: a context's sequences as seen from above.
// Generation asks for one step at a time; scoring, inspection and embedding ask for
// the native context alone for one pass. Features take an Evaluator, never a Context,
// so the context (the public face) may import them without a cycle. A leaf: types only.
import type { NativeContext, NativeControl, NativeSampler, NativeStepResult } from './native/contract.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

/** The sizes of the model a context runs, as the engine reports them. */
export interface ModelShape {
  layers: number;
  embedding: number;
  heads: number;
  /** Rows of the output head (logits per position). */
  vocabulary: number;
  /** An encoder-only embedding model (BERT): no logits, no steering. */
  encoder: boolean;
}

/** One generation's request for its next token. */
export interface StepRequest {
  /** Everything this generation has evaluated (its identity marks the sequence that holds it). */
  history: readonly number[];
  /** Tokens to evaluate next. */
  input: readonly number[];
  sampler: NativeSampler;
  topK: number;
  /** Steering for this step (steps are batched only with others under the same one). */
  control?: NativeControl | null;
  signal?: AbortSignal;
}

/** Work that needs the native context alone (scoring, inspection): run between batches. */
export interface ExclusiveRequest<T> {
  /** The tokens it evaluates on a sequence (from position 0), or null when it needs none. */
  tokens: readonly number[] | null;
  /** Whether the sequence's cache can be reused afterwards (false when the pass differed from a plain decode). */
  reusable: boolean;
  control?: NativeControl | null;
  signal?: AbortSignal;
  run(native: NativeContext, sequence: number): Promise<T>;
}

export interface Evaluator {
  readonly tokenizer: Tokenizer;
  readonly modelShape: ModelShape;
  /** Positions per sequence. */
  readonly contextSize: number;
  /** DISPOSED once the context has been disposed. */
  assertOpen(): void;
  /** Queues a generation step; resolves once its batch has been decoded. */
  step(request: StepRequest): Promise<NativeStepResult>;
  /** A generation is done with `history`: its sequence becomes free for others (its cache stays). */
  release(history: readonly number[]): void;
  /** Queues work that needs the native context alone; it runs in turn with generation batches. */
  exclusive<T>(request: ExclusiveRequest<T>): Promise<T>;
}
