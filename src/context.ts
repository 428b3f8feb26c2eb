// A context: a KV cache with one or more sequences, and the queue that feeds it.
// Generation steps from any number of generations are collected and decoded
// together, one native batch at a time, each on its own sequence; a step's
// cached prefix is reused, the rest evaluated. The JS thread only assembles
// batches; decoding and sampling run on a native worker.
import { ControlVector } from './control-vector.js';
import { FathomError } from './errors.js';
import { collectCompletion, promptTokens, runGeneration, type CompletionResult, type GenerationChunk, type FinishReason, type Prompt, type TokenAlternative, type TokenSource } from './generation.js';
import { inspect, logitLens, type InspectOptions, type Inspection, type LensOptions } from './inspection.js';
import { perplexity, score, type PerplexityOptions, type PerplexityResult, type ScoreOptions, type ScoreResult } from './scoring.js';
import type { NativeBatchEntry, NativeContext, NativeControl, NativeSampler, NativeStepResult } from './native/contract.js';
import { resolveGenerateOptions, type GenerateOptions } from './sampling-options.js';
import { chooseSlot, ownSlot, type SequenceSlot, type SlotChoice } from './sequence-slots.js';
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
  /** Steering for this step (steps are batched only with others under the same one). */
  control?: NativeControl | null;
  signal?: AbortSignal;
}

interface Pending extends StepRequest {
  kind: 'step';
  /** Run in a batch of its own (it failed in a shared one). */
  solo?: boolean;
  resolve(result: NativeStepResult): void;
  reject(error: unknown): void;
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

interface PendingExclusive extends ExclusiveRequest<unknown> {
  kind: 'exclusive';
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

type Job = Pending | PendingExclusive;

/** Work a context has done: what prefix reuse saves and batching shares shows here. */
export interface ContextStats {
  /** Native decode calls (each may carry several generations' tokens). */
  batches: number;
  /** Tokens evaluated, summed over all sequences (reused cached prefixes are not counted). */
  tokensEvaluated: number;
}

/** The sizes of the model a context runs, as introspection needs them. */
export interface ModelShape {
  layers: number;
  embedding: number;
  heads: number;
  vocabulary: number;
  /** An encoder-only embedding model (BERT): no logits, no steering. */
  encoder: boolean;
}

export function abortedError(): FathomError {
  return new FathomError('ABORTED', 'the operation was aborted');
}

export class Context implements TokenSource {
  readonly tokenizer: Tokenizer;
  readonly modelShape: ModelShape;
  readonly contextSize: number;
  readonly sequences: number;
  #native: NativeContext | null;
  readonly #slots: SequenceSlot[];
  #queue: Job[] = [];
  #inFlight: Promise<unknown> | null = null;
  #flushScheduled = false;
  #clock = 0;
  readonly #stats: ContextStats = { batches: 0, tokensEvaluated: 0 };
  #disposed: Promise<void> | undefined;
  readonly #onDispose: (context: Context) => void;

  /** @internal Use model.createContext(). */
  constructor(native: NativeContext, tokenizer: Tokenizer, modelShape: ModelShape, onDispose: (context: Context) => void) {
    this.#native = native;
    this.tokenizer = tokenizer;
    this.modelShape = modelShape;
    this.#onDispose = onDispose;
    const state = native.state();
    this.contextSize = state.contextSize;
    this.sequences = state.sequences;
    this.#slots = Array.from({ length: this.sequences }, () => ({ tokens: [], owner: null, control: null, lastUsed: 0 }));
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

  /** Per-token log-probabilities of a text; see Model.score. */
  score(text: Prompt, options: ScoreOptions = {}): Promise<ScoreResult> {
    return score(this, text, options);
  }

  /** Perplexity by llama.cpp's method; see Model.perplexity. */
  perplexity(text: string, options: PerplexityOptions = {}): Promise<PerplexityResult> {
    return perplexity(this, text, options);
  }

  /** Hidden states and attention of chosen layers; see Model.inspect. */
  inspect(text: Prompt, options: InspectOptions = {}): Promise<Inspection> {
    return inspect(this, text, options);
  }

  /** Top tokens per position read from one layer; see Model.logitLens. */
  logitLens(text: Prompt, layer: number, options: LensOptions = {}): Promise<TokenAlternative[][]> {
    return logitLens(this, text, layer, options);
  }

  /** @internal A control vector in the native form for this model. */
  resolveControl(control: ControlVector): NativeControl {
    if (!(control instanceof ControlVector)) throw new FathomError('INVALID_ARGUMENT', 'control must be a ControlVector');
    if (this.modelShape.encoder) throw new FathomError('INVALID_ARGUMENT', 'control vectors steer decoders; this is an embedding model');
    return control.resolve(this.modelShape.layers, this.modelShape.embedding);
  }

  /** @internal Queues a generation step; resolves once its batch has been decoded. */
  step(request: StepRequest): Promise<NativeStepResult> {
    this.#checkNotDisposed();
    if (request.signal?.aborted) return Promise.reject(abortedError());
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...request, kind: 'step', resolve, reject });
      this.#scheduleFlush();
    });
  }

  /** @internal A generation is done with `history`: its sequence becomes free for others (its cache stays). */
  release(history: readonly number[]): void {
    for (const slot of this.#slots) if (slot.owner === history) slot.owner = null;
  }

  /** @internal Queues work that needs the native context alone; it runs in turn with generation batches. */
  exclusive<T>(request: ExclusiveRequest<T>): Promise<T> {
    this.#checkNotDisposed();
    if (request.signal?.aborted) return Promise.reject(abortedError());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...request, kind: 'exclusive', resolve: resolve as (v: unknown) => void, reject });
      this.#scheduleFlush();
    });
  }

  #checkNotDisposed(): void {
    if (this.#disposed) throw new FathomError('DISPOSED', 'the context has been disposed');
  }

  // With several sequences, waits a turn of the event loop so that every generation resumed by the
  // previous batch has queued its next step: they are then decoded together. With one sequence
  // there is nothing to gather, and the step starts as soon as the current task ends.
  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#inFlight) return;
    this.#flushScheduled = true;
    const flush = () => {
      this.#flushScheduled = false;
      this.#flush();
    };
    if (this.sequences === 1) queueMicrotask(flush);
    else setImmediate(flush);
  }

  #flush(): void {
    const native = this.#native;
    if (!native || this.#inFlight || this.#queue.length === 0) return;
    for (const job of this.#queue) if (job.signal?.aborted) job.reject(abortedError());
    this.#queue = this.#queue.filter((job) => !job.signal?.aborted);
    const first = this.#queue[0];
    if (!first) return;
    if (first.kind === 'exclusive') {
      this.#queue.shift();
      this.#runExclusive(native, first);
    } else {
      this.#runBatch(native);
    }
  }

  // Decodes the queued generation steps up to the first exclusive job: one per free sequence,
  // all under the first step's control vector; the rest wait for the next batch. Steps whose
  // sequence already holds their history are placed first, so newcomers never take it from them.
  // A step that failed in a shared batch runs alone next, so one bad step fails only itself.
  #runBatch(native: NativeContext): void {
    const first = this.#queue[0] as Pending;
    const control = first.control ?? null;
    let end = this.#queue.findIndex((job) => job.kind === 'exclusive');
    if (end === -1) end = this.#queue.length;
    const candidates = (first.solo ? [first] : (this.#queue.slice(0, end) as Pending[])).filter((p) => (p.control ?? null) === control && !(p.solo && p !== first));
    const taken = new Set<number>();
    const placed = new Map<Pending, SlotChoice>();
    for (const pending of candidates) {
      const own = ownSlot(this.#slots, taken, pending.history, control);
      if (own) {
        placed.set(pending, own);
        taken.add(own.index);
      }
    }
    for (const pending of candidates) {
      if (placed.has(pending)) continue;
      const choice = chooseSlot(this.#slots, taken, pending.history, pending.input, control);
      if (!choice) break;
      placed.set(pending, choice);
      taken.add(choice.index);
    }
    this.#queue = this.#queue.filter((job) => !placed.has(job as Pending));

    const batch: NativeBatchEntry[] = [];
    const members: { pending: Pending; slot: SequenceSlot; todo: number[] }[] = [];
    for (const [pending, choice] of placed) {
      const { history, input } = pending;
      const todo = choice.keep >= history.length ? input.slice(choice.keep - history.length) : [...history.slice(choice.keep), ...input];
      if (choice.keep + todo.length > this.contextSize) {
        pending.reject(new FathomError('CONTEXT_FULL', `the sequence would need ${choice.keep + todo.length} positions but holds ${this.contextSize}`));
        continue;
      }
      this.#truncate(native, choice.index, choice.keep);
      const slot = this.#slots[choice.index]!;
      slot.control = control;
      // The sampler's history takes the step's own input (not the re-evaluated cached part).
      batch.push({ sequence: choice.index, tokens: Int32Array.from(todo), sampler: pending.sampler, topK: pending.topK, accept: Int32Array.from(pending.input) });
      members.push({ pending, slot, todo });
    }
    if (members.length === 0) {
      this.#scheduleFlush();
      return;
    }

    // An abort interrupts the native batch only when the batch is that generation's alone;
    // otherwise the others' tokens are finished and the aborted one is rejected after.
    const onAbort = () => {
      if (members.length === 1) native.abort();
    };
    for (const { pending } of members) pending.signal?.addEventListener('abort', onAbort);
    let evaluation: Promise<NativeStepResult[]>;
    try {
      evaluation = native.evaluate(batch, control ?? undefined);
    } catch (error) {
      evaluation = Promise.reject(error); // a synchronous throw (bad argument, BUSY) rejects the steps
    }
    const done = evaluation.then(
      (results) => {
        const time = ++this.#clock;
        this.#stats.batches++;
        members.forEach(({ pending, slot, todo }, i) => {
          for (const token of todo) slot.tokens.push(token);
          this.#stats.tokensEvaluated += todo.length;
          slot.owner = pending.history; // which the generation extends by input next
          slot.lastUsed = time;
          if (pending.signal?.aborted) pending.reject(abortedError());
          else pending.resolve(results[i]!);
        });
      },
      (error: unknown) => {
        const retryable = members.length > 1 && !(error instanceof FathomError && (error.code === 'ABORTED' || error.code === 'DISPOSED'));
        if (retryable && !this.#disposed) {
          // Which step failed is unknown: each goes again alone, ahead of the queue.
          this.#queue.unshift(...members.map(({ pending }) => ({ ...pending, solo: true })));
          return;
        }
        for (const { pending } of members) pending.reject(this.#failure(error));
      },
    );
    this.#track(done, () => {
      for (const { pending } of members) pending.signal?.removeEventListener('abort', onAbort);
    });
  }

  #runExclusive(native: NativeContext, job: PendingExclusive): void {
    let index = 0;
    if (job.tokens) {
      // The least recently used sequence; it is evaluated from position 0.
      index = chooseSlot(this.#slots, new Set(), [], job.tokens, {})!.index;
      this.#truncate(native, index, 0);
    }
    const onAbort = () => native.abort();
    job.signal?.addEventListener('abort', onAbort);
    // A synchronous throw from the binding (bad arguments, BUSY) rejects the job, not the event loop.
    const done = Promise.resolve().then(() => job.run(native, index)).then(
      (result) => {
        if (job.tokens) {
          const slot = this.#slots[index]!;
          if (job.reusable) for (const token of job.tokens) slot.tokens.push(token);
          slot.control = job.control ?? null;
          slot.lastUsed = ++this.#clock;
          this.#stats.tokensEvaluated += job.tokens.length;
          if (!job.reusable) native.truncate(index, 0);
        }
        this.#stats.batches++;
        job.resolve(result);
      },
      (error: unknown) => {
        // A failed pass may have left part of its tokens in the sequence: empty it.
        if (job.tokens && this.#native) {
          try {
            this.#native.truncate(index, 0);
          } catch {
            // disposed meanwhile
          }
          this.#slots[index]!.tokens.length = 0;
        }
        job.reject(this.#failure(error));
      },
    );
    this.#track(done, () => job.signal?.removeEventListener('abort', onAbort));
  }

  #truncate(native: NativeContext, index: number, keep: number): void {
    const slot = this.#slots[index]!;
    if (keep < slot.tokens.length) {
      native.truncate(index, keep);
      slot.tokens.length = keep;
    }
    slot.owner = null;
  }

  #failure(error: unknown): unknown {
    const disposed = this.#disposed && !(error instanceof FathomError && error.code === 'DISPOSED');
    return disposed ? new FathomError('DISPOSED', 'the context was disposed during generation', { cause: error }) : error;
  }

  #track(done: Promise<void>, cleanup: () => void): void {
    this.#inFlight = done.finally(() => {
      cleanup();
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
