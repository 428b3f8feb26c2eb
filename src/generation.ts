// The generation loop: an async generator that asks its context for one token
// at a time, turns token bytes into whole characters, holds back possible stop
// strings, and ends with a finish reason. When the sequence is full it either
// fails with CONTEXT_FULL or, if asked, shifts: the oldest half of the tokens
// after the first one (BOS) is dropped and the rest re-evaluated.
import { FathomError, invalidArgument } from './errors.js';
import type { ControlVector } from './control-vector.js';
import type { NativeControl, NativeStepResult } from './native/contract.js';
import { loadAddon } from './native/load-addon.js';
import type { ResolvedGenerateOptions } from './sampling-options.js';
import type { StepRequest } from './context.js';
import { TextStream } from './text-stream.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

export type Prompt = string | readonly number[];

export interface TokenAlternative {
  token: number;
  text: string;
  /** Natural log-probability under the model's distribution (before sampling filters). */
  logprob: number;
}

export interface TokenLogprob extends TokenAlternative {
  /** The most likely tokens at this step, most likely first (`logprobs` of them). */
  top: TokenAlternative[];
}

export interface GenerationChunk {
  /** Text that became complete with this chunk (whole characters, never part of a stop string). */
  text: string;
  /** Tokens generated since the previous chunk. */
  tokens: number[];
  /** With the `logprobs` option: one entry per token of `tokens`. */
  logprobs?: TokenLogprob[];
}

export type FinishReason = 'eos' | 'length' | 'stop' | 'abort';

export interface CompletionResult {
  text: string;
  /** Every generated token (an end-of-generation token is not included). */
  tokens: number[];
  finishReason: FinishReason;
  promptTokens: number;
}

/** What a generation runs on: a context's sequences. */
export interface TokenSource {
  readonly tokenizer: Tokenizer;
  readonly contextSize: number;
  resolveControl(control: ControlVector): NativeControl;
  /** The generation no longer extends `history`: its sequence is free for others. */
  release(history: readonly number[]): void;
  step(request: StepRequest): Promise<NativeStepResult>;
}

/** Prompt -> token ids: BOS as the vocabulary asks, never a closing EOS. */
export function promptTokens(tokenizer: Tokenizer, prompt: Prompt): number[] {
  if (typeof prompt === 'string') return tokenizer.tokenize(prompt, { addEos: false });
  if (!Array.isArray(prompt)) throw invalidArgument('prompt must be a string or an array of token ids');
  tokenizer.checkTokens(prompt);
  if (prompt.length === 0) throw invalidArgument('prompt must not be an empty token array');
  return [...prompt];
}

function contextFull(used: number, contextSize: number): FathomError {
  return new FathomError(
    'CONTEXT_FULL',
    `the context is full (${used} of ${contextSize} positions); pass maxTokens, contextShift: true, or create a context with a larger contextSize`,
  );
}

export async function* runGeneration(source: TokenSource, prompt: Prompt, opts: ResolvedGenerateOptions): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
  const { tokenizer, contextSize } = source;
  const tokens = promptTokens(tokenizer, prompt);
  if (tokens.length > contextSize) {
    throw new FathomError('CONTEXT_FULL', `the prompt has ${tokens.length} tokens but a sequence holds ${contextSize}; create a context with a larger contextSize`);
  }
  if (opts.maxTokens === 0) return 'length';
  const { signal } = opts;
  const sampler = new (loadAddon().NativeSampler)(opts.sampler);
  const stream = new TextStream(opts.stop);
  const alternative = (token: number, logprob: number): TokenAlternative => ({ token, text: tokenizer.detokenize([token], { special: true }), logprob });
  // Everything this generation has evaluated, then the tokens to evaluate next.
  let history: number[] = [];
  let input = tokens;
  let pending: number[] = [];
  let pendingLogprobs: TokenLogprob[] = [];
  const chunk = (text: string): GenerationChunk => {
    const out: GenerationChunk = { text, tokens: pending };
    if (opts.logprobs) out.logprobs = pendingLogprobs;
    pending = [];
    pendingLogprobs = [];
    return out;
  };
  let generated = 0;
  try {
    for (;;) {
      if (generated >= opts.maxTokens) break;
      if (history.length + input.length > contextSize) {
        if (!opts.contextShift) {
          const tail = stream.flush();
          if (tail || pending.length) yield chunk(tail);
          throw contextFull(history.length, contextSize);
        }
        // Keep the first token (BOS or the prompt's start) and the newer half of the rest,
        // as many times as it takes (a long input may need more room than half).
        source.release(history);
        const keep = 1;
        while (history.length > keep && history.length + input.length > contextSize) {
          const discard = Math.max(1, Math.floor((history.length - keep) / 2));
          history = [...history.slice(0, keep), ...history.slice(keep + discard)];
        }
        if (history.length + input.length > contextSize) throw contextFull(history.length, contextSize);
      }
      if (signal?.aborted) throw new FathomError('ABORTED', 'the operation was aborted');
      const step = await source.step({ history, input, sampler, topK: opts.logprobs, control: opts.control, signal });
      for (const token of input) history.push(token);
      const token = step.token;
      if (!opts.ignoreEos && tokenizer.isEog(token)) {
        const tail = stream.flush();
        if (tail || pending.length) yield chunk(tail);
        return 'eos';
      }
      generated++;
      pending.push(token);
      if (opts.logprobs) {
        const top: TokenAlternative[] = [];
        for (let i = 0; i < (step.ids?.length ?? 0); i++) top.push(alternative(step.ids![i]!, step.logprobs![i]!));
        pendingLogprobs.push({ ...alternative(token, step.logprob), top });
      }
      const { text, stopped } = stream.push(tokenizer.piece(token));
      if (stopped) {
        yield chunk(text);
        return 'stop';
      }
      if (text) yield chunk(text);
      input = [token];
    }
    const tail = stream.flush();
    if (tail || pending.length) yield chunk(tail);
    return 'length';
  } finally {
    source.release(history);
  }
}

/** Runs a generation to the end: the whole text, or finishReason 'abort' when `signal` aborted it. */
export async function collectCompletion(
  chunks: AsyncGenerator<GenerationChunk, FinishReason, undefined>,
  promptTokens: () => number,
  signal: AbortSignal | undefined,
): Promise<CompletionResult> {
  let text = '';
  const tokens: number[] = [];
  for (;;) {
    let step: IteratorResult<GenerationChunk, FinishReason>;
    try {
      step = await chunks.next();
    } catch (error) {
      if (error instanceof FathomError && error.code === 'ABORTED' && signal?.aborted) {
        return { text, tokens, finishReason: 'abort', promptTokens: promptTokens() };
      }
      throw error;
    }
    if (step.done) return { text, tokens, finishReason: step.value, promptTokens: promptTokens() };
    text += step.value.text;
    tokens.push(...step.value.tokens);
  }
}
