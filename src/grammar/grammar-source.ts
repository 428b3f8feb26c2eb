// A grammar before it meets a vocabulary: rules of alternatives of items over code points,
// rule references and whole tokens. GBNF parses to this; src/grammar/native-rules.ts turns it
// into the engine's wire format for one model (resolving tokens written as text there).

export type GrammarItem =
  /** One code point in the ranges (inclusive), or with `negated` one outside them. */
  | { kind: 'chars'; ranges: Array<[number, number]>; negated: boolean }
  | { kind: 'rule'; rule: number }
  /** A whole token: an id, or its text (`<think>`), which must be one token of the model's vocabulary. */
  | { kind: 'token'; token: number | string; negated: boolean };

export interface GrammarSource {
  /** rules[r]: the alternatives of rule r, each a sequence of items. */
  rules: GrammarItem[][][];
  names: string[];
  root: number;
}

export const MAX_CODE_POINT = 0x10ffff;
