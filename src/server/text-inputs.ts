// The inputs /v1/completions and /v1/embeddings take, as OpenAI defines them: a text, a list of texts,
// token ids, or a list of token-id lists — each entry one prompt.
import type { Prompt } from '../index.js';

const TOKENS = { type: 'array', minItems: 1, items: { type: 'integer', minimum: 0 } } as const;

/** The JSON Schema of such an input, at most `most` entries in a list. */
export function textInputsSchema(most: number) {
  return {
    anyOf: [
      { type: 'string' },
      { type: 'array', minItems: 1, maxItems: most, items: { type: 'string' } },
      TOKENS,
      { type: 'array', minItems: 1, maxItems: most, items: TOKENS },
    ],
  } as const;
}

export type TextInputs = string | string[] | number[] | number[][];

/** The prompts an input holds (a flat list of numbers is one prompt of token ids). */
export function textInputs(input: TextInputs): Prompt[] {
  if (typeof input === 'string') return [input];
  if (input.every((entry) => typeof entry === 'number')) return [input as number[]];
  return input as Prompt[];
}
