// SentencePiece (BPE-style merging by score): start from single characters, and
// repeatedly merge the adjacent pair whose merged text is the highest-scoring
// token (leftmost on ties); characters no token covers fall back to byte tokens.
//
// Speed: every symbol is either one character or a token (a merge only happens when the
// merged text is a token), so symbols are integer ids and the possible merges are a
// precomputed (left id, right id) -> token table. And no merge can cross two adjacent
// characters that never occur next to each other inside a token, so the text is cut
// there into independent segments (about words), each merged on its own and cached.
import type { Vocabulary } from './vocabulary.js';
import { WordCache } from './word-cache.js';

const NO_ID = -1;

export class SentencePieceTokenizer {
  /** Ids of single characters: token ids, or ids past the vocabulary for characters that only occur inside tokens. */
  readonly #bmpCharIds = new Int32Array(0x10000).fill(NO_ID);
  readonly #astralCharIds = new Map<number, number>();
  readonly #stride: number;
  /** left * stride + right -> merged token id. */
  readonly #merges = new Map<number, number>();
  readonly #byteTokens: Array<number | undefined>;
  /** Code point pairs (a * 0x110000 + b) that occur adjacent inside some token. */
  readonly #joined = new Set<number>();
  readonly #cache = new WordCache();

  readonly #vocab: Vocabulary;

  constructor(vocab: Vocabulary) {
    this.#vocab = vocab;
    const { texts, ids } = vocab;
    const charIds = new Map<string, number>();
    let virtualId = texts.length;
    const charId = (ch: string, create: boolean): number => {
      let id = ids.get(ch) ?? charIds.get(ch);
      if (id === undefined && create) charIds.set(ch, (id = virtualId++));
      return id ?? NO_ID;
    };
    // Pass 1: give every character that occurs in a token an id.
    const pieces = texts.map((text) => [...text]);
    for (const chars of pieces) for (const ch of chars) charId(ch, true);
    this.#stride = virtualId;
    for (const [ch, id] of [...ids].filter(([t]) => [...t].length === 1).concat([...charIds])) this.#setCharId(ch, id);

    // Pass 2: every way a token splits into (char or token) + (char or token) is a merge.
    const symbolId = (chars: string[], from: number, to: number): number => {
      if (to - from === 1) return charId(chars[from], false);
      return ids.get(chars.slice(from, to).join('')) ?? NO_ID;
    };
    for (const chars of pieces) {
      for (let k = 1; k < chars.length; k++) this.#joined.add(chars[k - 1].codePointAt(0)! * 0x110000 + chars[k].codePointAt(0)!);
    }
    pieces.forEach((chars, token) => {
      if (chars.length < 2) return;
      const merged = ids.get(texts[token]);
      if (merged === undefined) return;
      for (let k = 1; k < chars.length; k++) {
        const left = symbolId(chars, 0, k);
        const right = symbolId(chars, k, chars.length);
        if (left !== NO_ID && right !== NO_ID) this.#merges.set(left * this.#stride + right, merged);
      }
    });
    this.#byteTokens = Array.from(
      { length: 256 },
      (_, b) => ids.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`) ?? ids.get(String.fromCharCode(b)),
    );
  }

  #setCharId(ch: string, id: number): void {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x10000) this.#bmpCharIds[cp] = id;
    else this.#astralCharIds.set(cp, id);
  }

  /** Tokenizes `text` (spaces already escaped as U+2581 by the caller). */
  tokenize(text: string, out: number[]): void {
    let start = 0;
    let previous = -1;
    for (let i = 0; i < text.length;) {
      const cp = text.codePointAt(i)!;
      if (previous !== -1 && !this.#joined.has(previous * 0x110000 + cp)) {
        this.#segment(text.slice(start, i), out);
        start = i;
      }
      previous = cp;
      i += cp > 0xffff ? 2 : 1;
    }
    this.#segment(text.slice(start), out);
  }

  #segment(text: string, out: number[]): void {
    this.#cache.append(text, out, (segment, tokens) => this.#merge(segment, tokens));
  }

  #merge(text: string, out: number[]): void {
    const n = text.length;
    if (n === 0) return;
    // Symbols, indexed by position in `text` (UTF-16 units); the second unit of a surrogate pair is unused.
    const id = new Int32Array(n);
    const next = new Int32Array(n);
    const prev = new Int32Array(n);
    const width = new Uint8Array(n); // code units of the first character, for byte fallback
    let last = NO_ID;
    let count = 0;
    for (let i = 0; i < n;) {
      const cp = text.codePointAt(i)!;
      const w = cp > 0xffff ? 2 : 1;
      id[i] = cp < 0x10000 ? this.#bmpCharIds[cp] : (this.#astralCharIds.get(cp) ?? NO_ID);
      width[i] = w;
      prev[i] = last;
      if (last !== NO_ID) next[last] = i;
      last = i;
      count++;
      i += w;
    }
    next[last] = NO_ID;

    const heap = new MergeHeap(count);
    const scores = this.#vocab.scores;
    const consider = (left: number, right: number) => {
      if (left === NO_ID || right === NO_ID || id[left] === NO_ID || id[right] === NO_ID) return;
      const merged = this.#merges.get(id[left] * this.#stride + id[right]);
      if (merged !== undefined) heap.push(left, right, id[left], id[right], merged, scores[merged]);
    };
    for (let i = 0; next[i] !== NO_ID; i = next[i]) consider(i, next[i]);

    while (heap.size > 0) {
      const top = heap.pop();
      const left = heap.left[top];
      const right = heap.right[top];
      // Stale: one side has merged since this pair was queued.
      if (next[left] !== right || id[left] !== heap.leftId[top] || id[right] !== heap.rightId[top]) continue;
      id[left] = heap.merged[top];
      id[right] = NO_ID;
      next[left] = next[right];
      if (next[right] !== NO_ID) prev[next[right]] = left;
      consider(prev[left], left);
      consider(left, next[left]);
    }

    const size = this.#vocab.texts.length;
    for (let i = 0; i !== NO_ID; i = next[i]) {
      if (id[i] !== NO_ID && id[i] < size) {
        out.push(id[i]);
        continue;
      }
      // A single character no token spells: its UTF-8 bytes as byte tokens.
      for (const byte of Buffer.from(text.substr(i, width[i]), 'utf8')) {
        const fallback = this.#byteTokens[byte] ?? this.#vocab.special.unk;
        if (fallback !== null) out.push(fallback);
      }
    }
  }
}

/**
 * Max-heap of candidate merges in parallel typed arrays: highest score first, the
 * leftmost pair on equal scores. `pop` returns the slot of the entry it removed; the
 * slot stays readable until the next push.
 */
class MergeHeap {
  left: Int32Array;
  right: Int32Array;
  leftId: Int32Array;
  rightId: Int32Array;
  merged: Int32Array;
  score: Float32Array;
  #order: Int32Array; // heap of slot numbers
  #free: number[] = [];
  #slots = 0;
  size = 0;

  constructor(capacity: number) {
    const c = Math.max(16, capacity * 2);
    this.left = new Int32Array(c);
    this.right = new Int32Array(c);
    this.leftId = new Int32Array(c);
    this.rightId = new Int32Array(c);
    this.merged = new Int32Array(c);
    this.score = new Float32Array(c);
    this.#order = new Int32Array(c);
  }

  #before(a: number, b: number): boolean {
    return this.score[a] > this.score[b] || (this.score[a] === this.score[b] && this.left[a] < this.left[b]);
  }

  #grow(): void {
    const c = this.left.length * 2;
    const resize = <T extends Int32Array | Float32Array>(a: T): T => {
      const b = new (a.constructor as { new (n: number): T })(c);
      b.set(a);
      return b;
    };
    this.left = resize(this.left);
    this.right = resize(this.right);
    this.leftId = resize(this.leftId);
    this.rightId = resize(this.rightId);
    this.merged = resize(this.merged);
    this.score = resize(this.score);
    this.#order = resize(this.#order);
  }

  push(left: number, right: number, leftId: number, rightId: number, merged: number, score: number): void {
    let slot = this.#free.pop();
    if (slot === undefined) {
      if (this.#slots === this.left.length) this.#grow();
      slot = this.#slots++;
    }
    this.left[slot] = left;
    this.right[slot] = right;
    this.leftId[slot] = leftId;
    this.rightId[slot] = rightId;
    this.merged[slot] = merged;
    this.score[slot] = score;
    let i = this.size++;
    const order = this.#order;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(slot, order[parent])) break;
      order[i] = order[parent];
      i = parent;
    }
    order[i] = slot;
  }

  pop(): number {
    const order = this.#order;
    const top = order[0];
    const last = order[--this.size];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const child = r < this.size && this.#before(order[r], order[l]) ? r : l;
      if (!this.#before(order[child], last)) break;
      order[i] = order[child];
      i = child;
    }
    order[i] = last;
    this.#free.push(top);
    return top;
  }
}
