// Token log-probabilities in OpenAI's two shapes: chat's `logprobs.content` (token text, logprob,
// UTF-8 bytes, top alternatives) and the legacy completions object (parallel arrays, text offsets).
import type { TokenAlternative, TokenLogprob, Tokenizer } from '../index.js';

export interface ChatTokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: { token: string; logprob: number; bytes: number[] }[];
}

export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[];
  text_offset: number[];
}

// A token's own bytes: a token holding part of a UTF-8 character shows as U+FFFD in its text, not here.
function bytesOf(tokenizer: Tokenizer, alternative: TokenAlternative): number[] {
  return [...tokenizer.piece(alternative.token, true)];
}

/** Chat's form; `top` alternatives per token (top_logprobs, 0..20). */
export function chatLogprobs(entries: readonly TokenLogprob[], top: number, tokenizer: Tokenizer): ChatTokenLogprob[] {
  return entries.map((entry) => ({
    token: entry.text,
    logprob: entry.logprob,
    bytes: bytesOf(tokenizer, entry),
    top_logprobs: entry.top.slice(0, top).map((alt) => ({ token: alt.text, logprob: alt.logprob, bytes: bytesOf(tokenizer, alt) })),
  }));
}

/** The completions form, its text offsets counted from `offset` (the characters already sent). */
export function completionLogprobs(entries: readonly TokenLogprob[], top: number, offset: number): CompletionLogprobs {
  const out: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  for (const entry of entries) {
    out.tokens.push(entry.text);
    out.token_logprobs.push(entry.logprob);
    out.top_logprobs.push(Object.fromEntries(entry.top.slice(0, top).map((alt) => [alt.text, alt.logprob])));
    out.text_offset.push(offset);
    offset += entry.text.length;
  }
  return out;
}
