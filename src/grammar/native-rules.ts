// A GrammarSource in the engine's wire format (NativeGrammarRules) for one vocabulary:
// items become [kind, value] pairs, equal character classes are stored once, and tokens
// written as text (<think>) become ids — which must be exactly one token of this vocabulary.
import { FathomError } from '../errors.js';
import type { NativeGrammarRules } from '../native/contract.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { GrammarSource } from './grammar-source.js';

const enum Kind {
  Chars = 0,
  Token = 1,
  NotToken = 2,
  Rule = 3,
  End = 4,
}

function tokenId(token: number | string, tokenizer: Tokenizer | null): number {
  if (!tokenizer) {
    const written = typeof token === 'number' ? `<[${token}]>` : token;
    throw new FathomError('INVALID_GRAMMAR', `the grammar matches token ${written}: that needs a model's vocabulary (use it in a generation)`);
  }
  if (typeof token === 'number') {
    if (token >= tokenizer.size) throw new FathomError('INVALID_GRAMMAR', `token <[${token}]> is not in the vocabulary (0..${tokenizer.size - 1})`);
    return token;
  }
  const ids = tokenizer.tokenize(token, { addBos: false, addEos: false, special: true });
  if (ids.length !== 1) throw new FathomError('INVALID_GRAMMAR', `token ${token} is not one token of this model's vocabulary (it is ${ids.length})`);
  return ids[0]!;
}

/** The rules for `tokenizer`'s vocabulary; null: for text only (token items are refused). */
export function nativeRules(source: GrammarSource, tokenizer: Tokenizer | null): NativeGrammarRules {
  const elements: number[] = [];
  const alternatives: number[] = [];
  const ruleAlternatives: number[] = [0];
  const classes: number[] = [];
  const classIds = new Map<string, number>();
  const classId = (ranges: Array<[number, number]>, negated: boolean): number => {
    const key = `${negated ? '^' : ''}${ranges.join(';')}`;
    let id = classIds.get(key);
    if (id === undefined) {
      id = classIds.size;
      classIds.set(key, id);
      classes.push(negated ? 1 : 0, ranges.length, ...ranges.flat());
    }
    return id;
  };
  for (const rule of source.rules) {
    for (const alternative of rule) {
      alternatives.push(elements.length / 2);
      for (const item of alternative) {
        if (item.kind === 'chars') elements.push(Kind.Chars, classId(item.ranges, item.negated));
        else if (item.kind === 'rule') elements.push(Kind.Rule, item.rule);
        else elements.push(item.negated ? Kind.NotToken : Kind.Token, tokenId(item.token, tokenizer));
      }
      elements.push(Kind.End, 0);
    }
    ruleAlternatives.push(alternatives.length);
  }
  return {
    elements: Uint32Array.from(elements),
    alternatives: Uint32Array.from(alternatives),
    ruleAlternatives: Uint32Array.from(ruleAlternatives),
    classes: Uint32Array.from(classes),
    names: source.names,
    root: source.root,
  };
}
