// Byte-pair encoding: pre-tokenize, spell each word's bytes (GPT-2 byte encoding
// or raw UTF-8), then merge adjacent symbols by rank — lowest rank first, the
// leftmost pair on ties — until no ranked pair is left.
import { PriorityQueue } from './priority-queue.js';
import { byteEncode } from './unicode.js';
import { preTokenize } from './pre-tokenizers.js';
import type { Vocabulary } from './vocabulary.js';
import { WordCache } from './word-cache.js';

interface Pair {
  left: number;
  right: number;
  rank: number;
  /** Length (UTF-16 units) of the merged text when the pair was queued; a different length means stale. */
  length: number;
}

export class BpeTokenizer {
  readonly #cache = new WordCache();

  readonly #vocab: Vocabulary;

  constructor(vocab: Vocabulary) {
    this.#vocab = vocab;
  }

  tokenize(text: string, out: number[]): void {
    const pre = this.#vocab.preTokenizer!;
    for (const word of preTokenize(text, pre.regexes)) {
      this.#cache.append(pre.byteEncode ? byteEncode(word) : word, out, (spelled, tokens) => this.#encodeWord(spelled, tokens));
    }
  }

  #encodeWord(word: string, out: number[]): void {
    const { ids, merges } = this.#vocab;
    const whole = ids.get(word);
    if (whole !== undefined && (this.#vocab.ignoreMerges || (this.#vocab.preTokenizer!.name === 'gemma4' && /^\n+$/.test(word)))) {
      out.push(whole);
      return;
    }

    // Symbols: one per code point, linked so merged neighbours can be skipped.
    const starts: number[] = [];
    const lengths: number[] = [];
    for (let i = 0; i < word.length;) {
      const size = word.codePointAt(i)! > 0xffff ? 2 : 1;
      starts.push(i);
      lengths.push(size);
      i += size;
    }
    const n = starts.length;
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    const text = (i: number) => word.substr(starts[i], lengths[i]);

    const queue = new PriorityQueue<Pair>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
    const consider = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const rank = merges.get(`${text(left)}\0${text(right)}`);
      if (rank !== undefined) queue.push({ left, right, rank, length: lengths[left] + lengths[right] });
    };
    for (let i = 1; i < n; i++) consider(i - 1, i);

    for (let pair = queue.pop(); pair; pair = queue.pop()) {
      const { left, right } = pair;
      if (lengths[left] === 0 || lengths[right] === 0 || next[left] !== right || lengths[left] + lengths[right] !== pair.length) continue;
      lengths[left] += lengths[right];
      lengths[right] = 0;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      consider(prev[left], left);
      consider(left, next[left]);
    }

    for (let i = 0; i !== -1 && i < n; i = next[i]) {
      const piece = text(i);
      const id = ids.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      // No token spells this symbol: fall back to single-byte tokens where they exist.
      for (const byte of Buffer.from(piece, 'utf8')) {
        const fallback = this.#vocab.preTokenizer!.byteEncode
          ? byte < 0x80
            ? ids.get(String.fromCharCode(byte))
            : undefined
          : ids.get(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (fallback !== undefined) out.push(fallback);
      }
    }
  }
}
