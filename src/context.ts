// A context: a KV cache with one or more sequences, and the queue that feeds it.
// Generation steps from any number of generations are collected and decoded
// together, one native batch at a time, each on its own sequence; a step's
// cached prefix is reused, the rest evaluated. The JS thread only assembles
// batches; decoding and sampling run on a native worker.
import { FathomError } from './errors.js';
import { collectCompletion, promptTokens, runGeneration, type CompletionResult, type GenerationChunk, type FinishReason, type Prompt, type TokenSource } from './generation.js';
import type { NativeBatchEntry, NativeContext, NativeSampler, NativeStepResult } from './native/contract.js';
import { resolveGenerateOptions, type GenerateOptions } from './sampling-options.js';
import { chooseSlot, type SequenceSlot } from './sequence-slots.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

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

/** One generation's request for its next token. */
export interface StepRequest {
  /** Everything this generation has evaluated (its identity marks the sequence that holds it). */
  history: readonly number[];
  /** Tokens to evaluate next. */
  input: readonly number[];
  sampler: NativeSampler;
  topK: number;
  signal?: AbortSignal;
}

interface Pending extends StepRequest {
  resolve(result: NativeStepResult): void;
  reject(error: unknown): void;
}

/** Work a context has done: what prefix reuse saves and batching shares shows here. */
export interface ContextStats {
  /** Native decode calls (each may carry several generations' tokens). */
  batches: number;
  /** Tokens evaluated, summed over all sequences (reused cached prefixes are not counted). */
  tokensEvaluated: number;
}

export function abortedError(): FathomError {
  return new FathomError('ABORTED', 'the operation was aborted');
}

export class Context implements TokenSource {
  readonly tokenizer: Tokenizer;
  readonly contextSize: number;
  readonly sequences: number;
  #native: NativeContext | null;
  readonly #slots: SequenceSlot[];
  #queue: Pending[] = [];
  #inFlight: Promise<unknown> | null = null;
  #flushScheduled = false;
  #clock = 0;
  readonly #stats: ContextStats = { batches: 0, tokensEvaluated: 0 };
  #disposed: Promise<void> | undefined;
  readonly #onDispose: (context: Context) => void;

  /** @internal Use model.createContext(). */
  constructor(native: NativeContext, tokenizer: Tokenizer, onDispose: (context: Context) => void) {
    this.#native = native;
    this.tokenizer = tokenizer;
    this.#onDispose = onDispose;
    const state = native.state();
    this.contextSize = state.contextSize;
    this.sequences = state.sequences;
    this.#slots = Array.from({ length: this.sequences }, () => ({ tokens: [], owner: null, lastUsed: 0 }));
  }

  get disposed(): boolean {
    return this.#disposed !== undefined;
  }

  /** Counters since the context was made. */
  get stats(): ContextStats {
    return { ...this.#stats };
  }

  /**
   * Streams generated text; see GenerateOptions. Generations started together on a
   * context with several sequences are decoded in the same batches.
   */
  async *generate(prompt: Prompt, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
    this.#checkNotDisposed();
    return yield* runGeneration(this, prompt, resolveGenerateOptions(options, this));
  }

  /** Generates to the end and returns the whole text. An abort resolves with finishReason 'abort'. */
  async complete(prompt: Prompt, options: GenerateOptions = {}): Promise<CompletionResult> {
    this.#checkNotDisposed();
    const length = promptTokens(this.tokenizer, prompt).length;
    return collectCompletion(this.generate(prompt, options), () => length, options.signal);
  }

  /** @internal Queues a generation step; resolves once its batch has been decoded. */
  step(request: StepRequest): Promise<NativeStepResult> {
    this.#checkNotDisposed();
    if (request.signal?.aborted) return Promise.reject(abortedError());
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...request, resolve, reject });
      this.#scheduleFlush();
    });
  }

  #checkNotDisposed(): void {
    if (this.#disposed) throw new FathomError('DISPOSED', 'the context has been disposed');
  }

  // Waits a turn of the event loop so that every generation resumed by the previous
  // batch has queued its next step: they are then decoded together.
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#inFlight) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const native = this.#native;
    if (!native || this.#inFlight || this.#queue.length === 0) return;
    const taken = new Set<number>();
    const batch: NativeBatchEntry[] = [];
    const members: { pending: Pending; slot: SequenceSlot; todo: readonly number[] }[] = [];
    const waiting: Pending[] = [];
    for (const pending of this.#queue) {
      if (pending.signal?.aborted) {
        pending.reject(abortedError());
        continue;
      }
      const choice = chooseSlot(this.#slots, taken, pending.history, pending.input);
      if (!choice) {
        waiting.push(pending);
        continue;
      }
      taken.add(choice.index);
      const slot = this.#slots[choice.index]!;
      const sequence = [...pending.history, ...pending.input];
      if (choice.keep < slot.tokens.length) {
        native.truncate(choice.index, choice.keep);
        slot.tokens.length = choice.keep;
      }
      slot.owner = null;
      const todo = sequence.slice(choice.keep);
      batch.push({ sequence: choice.index, tokens: Int32Array.from(todo), sampler: pending.sampler, topK: pending.topK });
      members.push({ pending, slot, todo });
    }
    this.#queue = waiting;
    if (batch.length === 0) return;

    // An abort interrupts the native batch only when the batch is that generation's alone;
    // otherwise the others' tokens are finished and the aborted one is rejected after.
    const onAbort = () => {
      if (members.length === 1) native.abort();
    };
    for (const { pending } of members) pending.signal?.addEventListener('abort', onAbort);
    const done = native.evaluate(batch).then(
      (results) => {
        const time = ++this.#clock;
        this.#stats.batches++;
        members.forEach(({ pending, slot, todo }, i) => {
          slot.tokens.push(...todo);
          this.#stats.tokensEvaluated += todo.length;
          slot.owner = pending.history;  // which the generation extends by input next
          slot.lastUsed = time;
          if (pending.signal?.aborted) pending.reject(abortedError());
          else pending.resolve(results[i]!);
        });
      },
      (error: unknown) => {
        const disposed = this.#disposed && !(error instanceof FathomError && error.code === 'DISPOSED');
        for (const { pending } of members) {
          pending.reject(disposed ? new FathomError('DISPOSED', 'the context was disposed during generation', { cause: error }) : error);
        }
      },
    );
    this.#inFlight = done.finally(() => {
      for (const { pending } of members) pending.signal?.removeEventListener('abort', onAbort);
      this.#inFlight = null;
      if (this.#queue.length) this.#scheduleFlush();
    });
  }

  /** Frees the KV cache now. Running generations reject with DISPOSED. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      const queued = this.#queue;
      this.#queue = [];
      for (const pending of queued) pending.reject(new FathomError('DISPOSED', 'the context was disposed during generation'));
      this.#native?.abort();
      await this.#inFlight?.catch(() => undefined);
      this.#native?.dispose();
      this.#native = null;
      this.#onDispose(this);
    })();
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
