// What the two generating endpoints share: ids, finish reasons and usage in OpenAI's terms, and the
// check of logit_bias's token ids (named by the parameter, before anything runs).
import { randomBytes } from 'node:crypto';

import type { ChatFinishReason, Model } from '../../index.js';
import { badParameter } from '../api-error.js';

export function completionId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('base64url')}`;
}

/** OpenAI's finish_reason: an end-of-generation token and a stop string are both 'stop'. */
export function finishReasonOf(reason: ChatFinishReason): 'stop' | 'length' | 'tool_calls' {
  if (reason === 'length') return 'length';
  return reason === 'toolCalls' ? 'tool_calls' : 'stop';
}

export function usage(promptTokens: number, completionTokens: number) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function checkLogitBias(bias: Record<string, number> | null | undefined, model: Model): void {
  const size = model.vocabulary.size;
  for (const token of Object.keys(bias ?? {}))
    if (Number(token) >= size) throw badParameter('logit_bias', `logit_bias: ${token} is not a token id of the model's vocabulary (0..${size - 1})`);
}
