// Memoizes the tokens of a word (or segment): natural text repeats its words, so
// most lookups skip the merging entirely. Bounded: cleared when it gets too large.

const LIMIT = 1 << 18;

export class WordCache {
  readonly #map = new Map<string, number[]>();

  /** Appends the tokens of `word` to `out`, computing them with `encode` on a miss. */
  append(word: string, out: number[], encode: (word: string, out: number[]) => void): void {
    let tokens = this.#map.get(word);
    if (!tokens) {
      tokens = [];
      encode(word, tokens);
      if (this.#map.size >= LIMIT) this.#map.clear();
      this.#map.set(word, tokens);
    }
    for (let i = 0; i < tokens.length; i++) out.push(tokens[i]);
  }
}
