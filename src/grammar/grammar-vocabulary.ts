// The vocabulary as grammars see it, made once per tokenizer and shared by every grammar
// compiled for it: each token's bytes with control tokens spelled out (as llama.cpp's
// grammar reads them), and the end-of-generation tokens, which only end a grammar.
import { createNativeGrammarVocabulary } from '../native/addon.js';
import type { NativeGrammarVocabulary } from '../native/contract.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';

const vocabularies = new WeakMap<Tokenizer, NativeGrammarVocabulary>();
let noVocabulary: NativeGrammarVocabulary | undefined;

/** The vocabulary of `tokenizer`; null: none (grammars matched against text only). */
export function grammarVocabulary(tokenizer: Tokenizer | null): NativeGrammarVocabulary {
  if (!tokenizer) return (noVocabulary ??= createNativeGrammarVocabulary(new Uint8Array(0), Uint32Array.of(0), new Int32Array(0)));
  let vocabulary = vocabularies.get(tokenizer);
  if (vocabulary) return vocabulary;
  const n = tokenizer.size;
  const pieces: Uint8Array[] = [];
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  for (let t = 0; t < n; t++) {
    const piece = tokenizer.piece(t, true);
    pieces.push(piece);
    total += piece.length;
    offsets[t + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let t = 0; t < n; t++) bytes.set(pieces[t]!, offsets[t]!);
  const eog: number[] = [];
  for (let t = 0; t < n; t++) if (tokenizer.isEog(t)) eog.push(t);
  vocabulary = createNativeGrammarVocabulary(bytes, offsets, Int32Array.from(eog));
  vocabularies.set(tokenizer, vocabulary);
  return vocabulary;
}
