// The public Model: tokenization, streaming generation and disposal on top of
// the native model and its default context. The generation loop lives here as
// an async generator — one native promise per token — so abort, backpressure
// and `for await` stay natural, and the JS thread never blocks on compute.
import { availableParallelism } from 'node:os';

import { AsyncLock } from './async-lock.js';
import { FathomError, invalidArgument } from './errors.js';
import type { GgufInfo } from './gguf/gguf-info.js';
import { readGguf } from './gguf/read-gguf.js';
import type { NativeContext, NativeModel, NativeSampler } from './native/contract.js';
import { loadAddon } from './native/load-addon.js';
import { resolveGenerateOptions, type GenerateOptions, type ResolvedGenerateOptions } from './sampling-options.js';
import { TextStream } from './text-stream.js';
import { Tokenizer, type DetokenizeOptions, type TokenizeOptions } from './tokenizer/tokenizer.js';

export interface LoadModelOptions {
  /** CPU threads for compute. Default: all available cores, at most 4. */
  threads?: number;
  /** KV cache positions. Default: min(model's training context, 4096). */
  contextSize?: number;
  /** Longest prompt slice evaluated as one graph. Default: 512. */
  batchSize?: number;
  /** Load only the tokenizer (no weights are read): tokenize/detokenize work, generation does not. */
  vocabOnly?: boolean;
  signal?: AbortSignal;
}

/** Special token ids and flags of a model's vocabulary. */
export interface VocabularyInfo {
  size: number;
  /** tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert" (WordPiece), "t5" (Unigram), ... */
  tokenizerModel: string;
  bos: number | null;
  eos: number | null;
  eot: number | null;
  addBos: boolean;
  addEos: boolean;
  /** Ids that end generation. */
  eog: number[];
}

export type Prompt = string | readonly number[];

export interface GenerationChunk {
  /** Text that became complete with this chunk (whole characters, never part of a stop string). */
  text: string;
  /** Tokens generated since the previous chunk. */
  tokens: number[];
}

export type FinishReason = 'eos' | 'length' | 'stop' | 'abort';

export interface CompletionResult {
  text: string;
  /** Every generated token (an end-of-generation token is not included). */
  tokens: number[];
  finishReason: FinishReason;
  promptTokens: number;
}

const DEFAULT_CONTEXT_SIZE = 4096;
const MAX_DEFAULT_THREADS = 4;

function checkPositiveInteger(name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) {
    throw invalidArgument(`${name} must be a positive integer, got ${String(value)}`);
  }
}

function abortedError(): FathomError {
  return new FathomError('ABORTED', 'the operation was aborted');
}

export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object');
  const { threads, contextSize, batchSize, vocabOnly = false, signal } = options;
  checkPositiveInteger('threads', threads);
  checkPositiveInteger('contextSize', contextSize);
  checkPositiveInteger('batchSize', batchSize);
  if (signal?.aborted) throw abortedError();
  // The TS reader validates the header first: cheap, and its errors name the key at fault.
  const info = await readGguf(path);
  const tokenizer = new Tokenizer(info);
  if (vocabOnly) return new Model(info, tokenizer, null, null);
  const native = await loadAddon().loadModel(path);
  let context: NativeContext | null = null;
  try {
    if (signal?.aborted) throw abortedError();
    context = await native.createContext({
      contextSize: contextSize ?? Math.min(info.contextLength || DEFAULT_CONTEXT_SIZE, DEFAULT_CONTEXT_SIZE),
      batchSize: batchSize ?? 512,
      threads: threads ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS),
    });
    if (signal?.aborted) throw abortedError();
  } catch (error) {
    context?.dispose();
    native.dispose();
    throw error;
  }
  return new Model(info, tokenizer, native, context);
}

export class Model {
  readonly info: GgufInfo;
  readonly tokenizer: Tokenizer;
  #native: NativeModel | null;
  #context: NativeContext | null;
  readonly #lock = new AsyncLock();
  /** Tokens whose keys/values are in the context's cache, in order. */
  #cached: number[] = [];
  /** The history array of the generation whose tokens the cache holds exactly (fast path). */
  #cachedFor: readonly number[] | null = null;
  /** The native step running now, so dispose() can wait for it. */
  #inFlight: Promise<unknown> | null = null;
  #disposing = false;
  #disposed: Promise<void> | undefined;

  /** @internal Use loadModel(). */
  constructor(info: GgufInfo, tokenizer: Tokenizer, native: NativeModel | null, context: NativeContext | null) {
    this.info = info;
    this.tokenizer = tokenizer;
    this.#native = native;
    this.#context = context;
  }

  get disposed(): boolean {
    return this.#disposing;
  }

  /** Special token ids and tokenizer flags of this model's vocabulary. */
  get vocabulary(): VocabularyInfo {
    const v = this.tokenizer.vocabulary;
    return {
      size: v.texts.length, tokenizerModel: v.model, bos: v.special.bos, eos: v.special.eos, eot: v.special.eot,
      addBos: v.addBos, addEos: v.addEos, eog: [...v.eog],
    };
  }

  /** Size of the KV cache in tokens. */
  get contextSize(): number {
    return this.#requireContext().state().contextSize;
  }

  #checkNotDisposed(): void {
    if (this.#disposing) throw new FathomError('DISPOSED', 'the model has been disposed');
  }

  #requireContext(): NativeContext {
    this.#checkNotDisposed();
    if (!this.#context) throw new FathomError('INVALID_ARGUMENT', 'this model was loaded with vocabOnly: true and cannot generate');
    return this.#context;
  }

  /** Text -> token ids, as llama.cpp tokenizes for this vocabulary (BOS/EOS as the vocabulary asks by default). */
  tokenize(text: string, options: TokenizeOptions = {}): number[] {
    this.#checkNotDisposed();
    return this.tokenizer.tokenize(text, options);
  }

  /** Token ids -> text, as llama.cpp's detokenizer gives it. */
  detokenize(tokens: readonly number[], options: DetokenizeOptions = {}): string {
    this.#checkNotDisposed();
    return this.tokenizer.detokenize(tokens, options);
  }

  #promptTokens(prompt: Prompt): number[] {
    // A prompt is the start of a sequence: BOS as the vocabulary asks, never a closing EOS.
    if (typeof prompt === 'string') return this.tokenize(prompt, { addEos: false });
    if (!Array.isArray(prompt)) throw invalidArgument('prompt must be a string or an array of token ids');
    this.tokenizer.checkTokens(prompt);
    if (prompt.length === 0) throw invalidArgument('prompt must not be an empty token array');
    return [...prompt];
  }

  /**
   * Streams generated text. Each chunk carries whole characters only; stop strings
   * are never emitted. Rejects with ABORTED when `signal` aborts.
   * Several generations may run at once: they take turns on the context one token
   * at a time, and an abandoned iterator holds nothing.
   */
  async *generate(prompt: Prompt, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
    const opts = resolveGenerateOptions(options);
    const tokens = this.#promptTokens(prompt);
    const { contextSize } = this.#requireContext().state();
    if (tokens.length > contextSize) {
      throw new FathomError('CONTEXT_FULL', `the prompt has ${tokens.length} tokens but the context holds ${contextSize}; load the model with a larger contextSize`);
    }
    return yield* this.#run(tokens, contextSize, opts);
  }

  async *#run(prompt: number[], contextSize: number, opts: ResolvedGenerateOptions): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
    if (opts.maxTokens === 0) return 'length';
    const { signal } = opts;
    const sampler = new (loadAddon().NativeSampler)(opts.sampler);
    const stream = new TextStream(opts.stop);
    // Everything this generation has evaluated, then the tokens to evaluate next.
    const history: number[] = [];
    let input = prompt;
    let pending: number[] = [];
    let generated = 0;
    for (;;) {
      if (generated >= opts.maxTokens || history.length + input.length > contextSize) break;
      if (signal?.aborted) throw abortedError();
      const token = await this.#step(history, input, sampler, signal);
      history.push(...input);
      if (!opts.ignoreEos && this.tokenizer.isEog(token)) {
        const tail = stream.flush();
        if (tail || pending.length) yield { text: tail, tokens: pending };
        return 'eos';
      }
      generated++;
      pending.push(token);
      const { text, stopped } = stream.push(this.tokenizer.piece(token));
      if (stopped) {
        yield { text, tokens: pending };
        return 'stop';
      }
      if (text) {
        yield { text, tokens: pending };
        pending = [];
      }
      input = [token];
    }
    const tail = stream.flush();
    if (tail || pending.length) yield { text: tail, tokens: pending };
    return 'length';
  }

  /**
   * Evaluates `input` after `history` and samples the next token. The context's cache
   * may hold another generation's tokens: the shared prefix is kept and the rest
   * re-evaluated, so generations can interleave and still be exact.
   */
  async #step(history: readonly number[], input: readonly number[], sampler: NativeSampler, signal?: AbortSignal): Promise<number> {
    const release = await this.#lock.acquire();
    const onAbort = () => this.#context?.abort();
    try {
      if (this.#disposing) throw new FathomError('DISPOSED', 'the model was disposed during generation');
      if (signal?.aborted) throw abortedError();
      const context = this.#requireContext();
      let todo: readonly number[] = input;
      if (this.#cachedFor !== history || this.#cached.length !== history.length) {
        const sequence = [...history, ...input];
        // At least one token must be evaluated to get logits.
        let keep = 0;
        while (keep < sequence.length - 1 && keep < this.#cached.length && this.#cached[keep] === sequence[keep]) keep++;
        context.truncate(keep);
        this.#cached.length = keep;
        todo = sequence.slice(keep);
      }
      signal?.addEventListener('abort', onAbort);
      const step = context.evaluate(Int32Array.from(todo), sampler);
      this.#inFlight = step;
      const token = await step;
      this.#cached.push(...todo);
      this.#cachedFor = history;
      return token;
    } catch (error) {
      if (this.#disposing && !(error instanceof FathomError && error.code === 'DISPOSED')) {
        throw new FathomError('DISPOSED', 'the model was disposed during generation', { cause: error });
      }
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.#inFlight = null;
      release();
    }
  }

  /** Generates to the end and returns the whole text. An abort resolves with finishReason 'abort'. */
  async complete(prompt: Prompt, options: GenerateOptions = {}): Promise<CompletionResult> {
    const promptTokens = this.#promptTokens(prompt).length;
    const iterator = this.generate(prompt, options);
    let text = '';
    const tokens: number[] = [];
    try {
      for (;;) {
        const step = await iterator.next();
        if (step.done) return { text, tokens, finishReason: step.value, promptTokens };
        text += step.value.text;
        tokens.push(...step.value.tokens);
      }
    } catch (error) {
      if (error instanceof FathomError && error.code === 'ABORTED' && options.signal?.aborted) {
        return { text, tokens, finishReason: 'abort', promptTokens };
      }
      throw error;
    }
  }

  /** Frees weights and KV cache now. A running generation is stopped and rejects with DISPOSED. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      this.#disposing = true;
      this.#context?.abort();
      await this.#inFlight?.catch(() => undefined);
      this.#context?.dispose();
      this.#native?.dispose();
      this.#context = null;
      this.#native = null;
    })();
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
