// The generation loop: an async generator that asks its context for one token
// at a time, turns token bytes into whole characters, holds back possible stop
// strings, and ends with a finish reason. When the sequence is full it either
// fails with CONTEXT_FULL or, if asked, shifts: the oldest half of the tokens
// after the first one (BOS) is dropped and the rest re-evaluated.
import { abortedError, FathomError } from './errors.js';
import { JsonGrammar } from './grammar/grammar.js';
import type { Evaluator } from './evaluator.js';
import { createNativeSampler } from './native/addon.js';
import { checkFitsSequence, promptTokens, tokenAlternative, type Prompt, type TokenAlternative } from './prompt.js';
import { checkGenerateOptions, resolveGenerateOptions, type GenerateOptions, type ResolvedGenerateOptions } from './sampling-options.js';
import { TextStream } from './text-stream.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

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
  /**
   * On the last chunk only: why the generation ended (also the generator's return value, which
   * `for await` drops). A generation that ends with nothing left to show ends with an empty chunk.
   */
  finishReason?: FinishReason;
}

export type FinishReason = 'eos' | 'length' | 'stop' | 'abort';

export interface CompletionResult {
  text: string;
  /**
   * Every generated token: an end-of-generation token is not included; the tokens of a stop string
   * are (they were generated; `text` ends before the stop string).
   */
  tokens: number[];
  /** With the `logprobs` option: one entry per token of `tokens`. */
  logprobs?: TokenLogprob[];
  finishReason: FinishReason;
  promptTokens: number;
}

/** The result of `complete` with a JSON grammar (Grammar.json, Grammar.jsonSchema). */
export interface JsonCompletionResult<T> extends CompletionResult {
  /**
   * The output parsed. Throws INCOMPLETE_OUTPUT when the generation stopped before the grammar was
   * complete (finishReason 'length', 'stop' or 'abort'): never a partial value.
   */
  readonly json: T;
}

function contextFull(used: number, contextSize: number): FathomError {
  return new FathomError(
    'CONTEXT_FULL',
    `the context is full (${used} of ${contextSize} positions); pass maxTokens, contextShift: true, or create a context with a larger contextSize`,
  );
}

/** Streams generated text on `evaluator`'s sequences; see GenerateOptions. */
export async function* generate(evaluator: Evaluator, prompt: Prompt, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
  evaluator.assertOpen();
  return yield* runGeneration(evaluator, prompt, resolveGenerateOptions(options, evaluator));
}

/** Generates to the end and returns the whole text. An abort resolves with finishReason 'abort'. */
export async function complete(evaluator: Evaluator, prompt: Prompt, options: GenerateOptions = {}): Promise<CompletionResult> {
  evaluator.assertOpen();
  checkGenerateOptions(options);
  const length = promptTokens(evaluator.tokenizer, prompt).length;
  const result = await collectCompletion(generate(evaluator, prompt, options), () => length, options.signal);
  const { grammar } = options;
  return grammar instanceof JsonGrammar ? withJson(result, grammar, evaluator.tokenizer) : result;
}

// Where a lazy grammar's output starts in `text`: its first trigger word, or the text of its first
// trigger token on (-1: it never triggered). A grammar without triggers starts at 0.
function grammarStart(result: CompletionResult, triggers: ReadonlyArray<string | number>, tokenizer: Tokenizer): number {
  if (triggers.length === 0) return 0;
  const starts: number[] = [];
  for (const trigger of triggers) {
    if (typeof trigger === 'string') {
      const at = result.text.indexOf(trigger);
      if (at >= 0) starts.push(at);
    } else {
      const at = result.tokens.indexOf(trigger);
      if (at >= 0) starts.push(tokenizer.detokenize(result.tokens.slice(0, at)).length);
    }
  }
  return starts.length ? Math.min(...starts) : -1;
}

/** Gives a completion made under a JSON grammar its parsed value: `result.json` (not enumerable, parsed once). */
export function withJson<T>(result: CompletionResult, grammar: JsonGrammar<T>, tokenizer: Tokenizer): JsonCompletionResult<T> {
  let parsed: { value: T } | undefined;
  return Object.defineProperty(result, 'json', {
    enumerable: false,
    get(): T {
      if (result.finishReason !== 'eos') {
        throw new FathomError('INCOMPLETE_OUTPUT', `the generation ended (finishReason '${result.finishReason}') before its JSON value was complete`);
      }
      const start = grammarStart(result, grammar.triggers, tokenizer);
      if (start < 0) throw new FathomError('INCOMPLETE_OUTPUT', 'the lazy grammar never triggered: there is no JSON value');
      parsed ??= { value: grammar.parse(result.text.slice(start)) };
      return parsed.value;
    },
  }) as JsonCompletionResult<T>;
}

async function* runGeneration(source: Evaluator, prompt: Prompt, opts: ResolvedGenerateOptions): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
  const { tokenizer, contextSize } = source;
  const tokens = promptTokens(tokenizer, prompt);
  checkFitsSequence(tokens.length, contextSize, 'prompt');
  if (opts.maxTokens === 0) {
    yield { text: '', tokens: [], ...(opts.logprobs ? { logprobs: [] } : {}), finishReason: 'length' };
    return 'length';
  }
  const { signal } = opts;
  const sampler = createNativeSampler(opts.sampler);
  const stream = new TextStream(opts.stop);
  const alternative = (token: number, logprob: number): TokenAlternative => tokenAlternative(tokenizer, token, logprob);
  // Everything this generation has evaluated, then the tokens to evaluate next.
  let history: number[] = [];
  let input = tokens;
  let pending: number[] = [];
  let pendingLogprobs: TokenLogprob[] = [];
  // The closing chunk (with its finishReason) first frees the sequence: the consumer may stop there.
  const chunk = (text: string, finishReason?: FinishReason): GenerationChunk => {
    if (finishReason) source.release(history);
    const out: GenerationChunk = { text, tokens: pending };
    if (opts.logprobs) out.logprobs = pendingLogprobs;
    if (finishReason) out.finishReason = finishReason;
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
      if (signal?.aborted) throw abortedError(signal);
      const step = await source.step({ history, input, sampler, topK: opts.logprobs, control: opts.control, signal });
      for (const token of input) history.push(token);
      const token = step.token;
      // A grammar that allowed only the end has ended, ignoreEos or not.
      if ((!opts.ignoreEos || opts.grammar) && tokenizer.isEog(token)) {
        yield chunk(stream.flush(), 'eos');
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
        yield chunk(text, 'stop');
        return 'stop';
      }
      if (text) yield chunk(text);
      input = [token];
    }
    yield chunk(stream.flush(), 'length');
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
  let logprobs: TokenLogprob[] | undefined;
  const result = (finishReason: FinishReason): CompletionResult => ({
    text,
    tokens,
    ...(logprobs ? { logprobs } : {}),
    finishReason,
    promptTokens: promptTokens(),
  });
  for (;;) {
    let step: IteratorResult<GenerationChunk, FinishReason>;
    try {
      step = await chunks.next();
    } catch (error) {
      if (error instanceof FathomError && error.code === 'ABORTED' && signal?.aborted) return result('abort');
      throw error;
    }
    if (step.done) return result(step.value);
    text += step.value.text;
    tokens.push(...step.value.tokens);
    if (step.value.logprobs) (logprobs ??= []).push(...step.value.logprobs);
  }
}
