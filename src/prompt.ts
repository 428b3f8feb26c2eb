// What every feature does with a prompt before it reaches a sequence: text or token ids to
// checked token ids, the check that they fit, and a token shown as an alternative. A leaf:
// it imports only the error type and the tokenizer.
import { FathomError, invalidArgument } from './errors.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

export type Prompt = string | readonly number[];

export interface TokenAlternative {
  token: number;
  text: string;
  /** Natural log-probability under the model's distribution (before sampling filters). */
  logprob: number;
}

/** The most alternatives per position any feature returns (score, logprobs, logit lens). */
export const MAX_TOP_K = 100;

/** Prompt -> token ids: BOS as the vocabulary asks, never a closing EOS. */
export function promptTokens(tokenizer: Tokenizer, prompt: Prompt): number[] {
  if (typeof prompt === 'string') return tokenizer.tokenize(prompt, { addEos: false });
  if (!Array.isArray(prompt)) throw invalidArgument('prompt must be a string or an array of token ids');
  tokenizer.checkTokens(prompt);
  if (prompt.length === 0) throw invalidArgument('prompt must not be an empty token array');
  return [...prompt];
}

/** CONTEXT_FULL unless `count` tokens (of a `what`: "prompt", "text") fit in one sequence. */
export function checkFitsSequence(count: number, contextSize: number, what: string): void {
  if (count > contextSize) {
    throw new FathomError('CONTEXT_FULL', `the ${what} has ${count} tokens but a sequence holds ${contextSize}; create a context with a larger contextSize`);
  }
}

const decoder = new TextDecoder();

/**
 * A token with its log-probability and its text as it stands in a generated text: a leading space
 * kept (" there", as streamed chunks and the OpenAI API show it), control tokens as their text, a
 * token holding part of a UTF-8 character as U+FFFD.
 */
export function tokenAlternative(tokenizer: Tokenizer, token: number, logprob: number): TokenAlternative {
  return { token, text: decoder.decode(tokenizer.piece(token, true)), logprob };
}
