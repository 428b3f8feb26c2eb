// DRY sequence breakers as token sequences, the way llama.cpp prepares them: a
// token whose text contains a breaker string is a breaker by itself; a token
// whose text ends with the start of one is a breaker when followed by the
// tokens of the rest of the string. Computed once per vocabulary and string.
import type { Tokenizer } from './tokenizer/tokenizer.js';

// llama.cpp's limits: longest breaker (characters here, bytes there) and longest tail.
const MAX_BREAKER_LENGTH = 40;
const MAX_TAIL_TOKENS = 20;

const tokenTexts = new WeakMap<Tokenizer, string[]>();
const prepared = new WeakMap<Tokenizer, Map<string, Int32Array[]>>();

function textsOf(tokenizer: Tokenizer): string[] {
  let texts = tokenTexts.get(tokenizer);
  if (!texts) {
    texts = Array.from({ length: tokenizer.size }, (_, id) => tokenizer.detokenize([id], { special: true }));
    tokenTexts.set(tokenizer, texts);
  }
  return texts;
}

/** Each breaker as [head, ...tail] token ids, for the native sampler. */
export function drySequenceBreakers(tokenizer: Tokenizer, breakers: readonly string[]): Int32Array[] {
  let cache = prepared.get(tokenizer);
  if (!cache) prepared.set(tokenizer, (cache = new Map()));
  const out: Int32Array[] = [];
  for (const raw of breakers) {
    const breaker = raw.slice(0, MAX_BREAKER_LENGTH);
    if (!breaker) continue;
    let sequences = cache.get(breaker);
    if (!sequences) {
      sequences = prepare(tokenizer, breaker);
      cache.set(breaker, sequences);
    }
    out.push(...sequences);
  }
  return out;
}

function prepare(tokenizer: Tokenizer, breaker: string): Int32Array[] {
  const sequences: Int32Array[] = [];
  const seen = new Set<string>();
  const texts = textsOf(tokenizer);
  for (let id = 0; id < texts.length; id++) {
    const word = texts[id]!;
    if (word.includes(breaker)) {
      sequences.push(Int32Array.of(id));
      continue;
    }
    // Every place the word's end overlaps the breaker's start.
    for (let at = word.indexOf(breaker[0]!); at !== -1; at = word.indexOf(breaker[0]!, at + 1)) {
      const overlap = word.length - at;
      if (overlap >= breaker.length || word.slice(at) !== breaker.slice(0, overlap)) continue;
      const tail = tokenizer.tokenize(breaker.slice(overlap), { addBos: false, addEos: false }).slice(0, MAX_TAIL_TOKENS);
      const key = `${id}:${tail.join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      sequences.push(Int32Array.of(id, ...tail));
    }
  }
  return sequences;
}
