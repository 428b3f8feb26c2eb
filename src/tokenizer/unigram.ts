// Unigram (T5-style SentencePiece): normalize with the model's precompiled
// character map (a XOR-compressed double-array trie of replacements), then pick
// the segmentation with the highest total token score (Viterbi), with an
// unknown-token penalty for characters no token covers.
import { utf8Encoder } from './unicode.js';
import { TokenAttr, type Vocabulary } from './vocabulary.js';

const SPACE = 0x20;
const ESCAPED_SPACE = [0xe2, 0x96, 0x81];
const UNKNOWN_PENALTY = 10;

/** Reads llama.cpp's charsmap layout: uint32 blob size, the trie (uint32 array), then NUL-terminated replacements. */
class Charsmap {
  readonly #trie: Uint32Array;
  readonly #replacements: Uint8Array;

  constructor(blob: Uint8Array) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieBytes = blob.length >= 4 ? view.getUint32(0, true) : 0;
    if (blob.length < 4 || trieBytes + 4 >= blob.length) throw new Error('precompiled_charsmap is truncated');
    this.#trie = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.#trie.length; i++) this.#trie[i] = view.getUint32(4 + 4 * i, true);
    this.#replacements = blob.subarray(4 + trieBytes);
  }

  #node(i: number): number {
    if (i >= this.#trie.length) throw new Error('precompiled_charsmap trie index out of range');
    return this.#trie[i];
  }
  #base(i: number): number {
    const n = this.#node(i);
    return ((n >>> 10) << ((n & (1 << 9)) >>> 6)) >>> 0;
  }

  /** Whether some replacement starts with byte `c` (false: `c` always stays as it is). */
  startsWith(c: number): boolean {
    const index = (this.#base(0) ^ c) >>> 0;
    return index < this.#trie.length && (this.#trie[index] & ((1 << 31) | 0xff)) >>> 0 === c;
  }

  /** The longest input prefix with a replacement: [consumed bytes, replacement bytes], or null. */
  match(input: Uint8Array, offset: number): [number, Uint8Array] | null {
    let index = this.#base(0);
    let best: [number, number] | null = null;
    for (let at = offset; at < input.length; at++) {
      const c = input[at];
      if (c === 0) break;
      index = (index ^ c) >>> 0;
      const packed = this.#node(index);
      if ((packed & ((1 << 31) | 0xff)) >>> 0 !== c) break;
      const leaf = (packed >>> 8) & 1;
      index = (index ^ this.#base(index)) >>> 0;
      if (leaf) best = [at - offset + 1, this.#node(index) & 0x7fffffff];
    }
    if (!best) return null;
    const [consumed, start] = best;
    let end = start;
    while (end < this.#replacements.length && this.#replacements[end] !== 0) end++;
    if (start >= this.#replacements.length || end === this.#replacements.length) throw new Error('precompiled_charsmap replacement out of range');
    return [consumed, this.#replacements.subarray(start, end)];
  }
}

/** Byte trie over user-defined tokens: how deep the input can be followed (not only whole tokens). */
function buildByteTrie(words: string[]): Map<number, number> {
  const edges = new Map<number, number>();
  let nodes = 1;
  for (const word of words) {
    let node = 0;
    for (const b of utf8Encoder.encode(word)) {
      const key = node * 256 + b;
      let child = edges.get(key);
      if (child === undefined) edges.set(key, (child = nodes++));
      node = child;
    }
  }
  return edges;
}

/**
 * First index in sorted `texts[lo, hi)` — which all share their first k units — whose unit at k
 * is >= `unit` (a text of length k, having no unit there, sorts first).
 */
function lowerBound(texts: string[], lo: number, hi: number, k: number, unit: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = texts[mid];
    if (t.length <= k || t.charCodeAt(k) < unit) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class UnigramTokenizer {
  readonly #charsmap: Charsmap | null;
  readonly #userDefined: Map<number, number>;
  /** Tokens Viterbi may use (normal, user-defined, unused), sorted by text, to walk prefixes like a trie. */
  readonly #sortedTexts: string[];
  readonly #sortedIds: Int32Array;
  /** Ranges of sortedTexts by first unit, and by first two units (lo * 2^21 + hi): skips the widest searches. */
  readonly #firstLo = new Int32Array(0x10000);
  readonly #firstHi = new Int32Array(0x10000);
  readonly #pairRanges = new Map<number, number>();
  readonly #unknownScore: number;
  readonly #decoder = new TextDecoder();
  /** ASCII bytes that normalization leaves alone (no replacement or user-defined token starts with them). */
  readonly #asciiUnchanged = new Uint8Array(0x80);

  readonly #vocab: Vocabulary;

  constructor(vocab: Vocabulary) {
    this.#vocab = vocab;
    this.#charsmap = vocab.precompiledCharsmap ? new Charsmap(vocab.precompiledCharsmap) : null;
    let minScore = Infinity;
    const userDefined: string[] = [];
    const candidates = new Map<string, number>();
    vocab.texts.forEach((text, id) => {
      const attr = vocab.attrs[id];
      if (attr & TokenAttr.NORMAL) minScore = Math.min(minScore, vocab.scores[id]);
      if (attr & (TokenAttr.NORMAL | TokenAttr.USER_DEFINED | TokenAttr.UNUSED)) candidates.set(text, id); // later duplicates win
      if (attr & TokenAttr.USER_DEFINED) userDefined.push(text);
    });
    this.#sortedTexts = [...candidates.keys()].sort();
    this.#sortedIds = Int32Array.from(this.#sortedTexts, (t) => candidates.get(t)!);
    this.#sortedTexts.forEach((t, i) => {
      const u0 = t.charCodeAt(0);
      if (this.#firstHi[u0] === 0) this.#firstLo[u0] = i;
      this.#firstHi[u0] = i + 1;
      if (t.length >= 2) {
        const key = u0 * 0x10000 + t.charCodeAt(1);
        const range = this.#pairRanges.get(key);
        this.#pairRanges.set(key, range === undefined ? i * 2 ** 21 + i + 1 : Math.floor(range / 2 ** 21) * 2 ** 21 + i + 1);
      }
    });
    this.#userDefined = buildByteTrie(userDefined);
    for (let c = 1; c < 0x80; c++) {
      this.#asciiUnchanged[c] = !this.#userDefined.has(c) && !this.#charsmap?.startsWith(c) ? 1 : 0;
    }
    this.#unknownScore = (minScore === Infinity ? 3.4028234663852886e38 : minScore) - UNKNOWN_PENALTY;
  }

  #normalize(text: string): string {
    const input = utf8Encoder.encode(text);
    const v = this.#vocab;
    const space = v.escapeWhitespaces ? ESCAPED_SPACE : [SPACE];
    const mergeSpaces = v.removeExtraWhitespaces;
    const out: number[] = [];
    let spacePrepended = false;
    let inWord = false;
    // Spaces become U+2581 (or are merged); a word start may get the SentencePiece space prefix.
    const emit = (c: number) => {
      if (c === SPACE) {
        inWord = false;
        if (!mergeSpaces) out.push(...space);
        return;
      }
      if (!inWord) {
        inWord = true;
        if ((v.addSpacePrefix && !spacePrepended) || mergeSpaces) {
          out.push(...space);
          spacePrepended = true;
        }
      }
      out.push(c);
    };
    for (let offset = 0; offset < input.length;) {
      const c = input[offset];
      if (c < 0x80 && this.#asciiUnchanged[c]) {
        emit(c); // the common case, without the prefix lookups
        offset++;
        continue;
      }
      const [consumed, replacement] = this.#normalizePrefix(input, offset);
      for (const r of replacement) emit(r);
      offset += consumed;
    }
    return this.#decoder.decode(Uint8Array.from(out));
  }

  #normalizePrefix(input: Uint8Array, offset: number): [number, Uint8Array] {
    // User-defined token text passes through untouched (as deep as their trie can follow it).
    let node = 0;
    let depth = 0;
    for (let at = offset; at < input.length; at++) {
      const child = this.#userDefined.get(node * 256 + input[at]);
      if (child === undefined) break;
      node = child;
      depth++;
    }
    if (depth > 0) return [depth, input.subarray(offset, offset + depth)];
    const replaced = this.#charsmap?.match(input, offset);
    if (replaced) return replaced;
    const lead = input[offset];
    const length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    return [length, input.subarray(offset, offset + length)];
  }

  tokenize(text: string, out: number[]): void {
    const v = this.#vocab;
    const normalized = this.#normalize(text);
    const n = normalized.length;
    if (n === 0) return;
    const unk = v.special.unk ?? 0;
    // best[i]: highest score of a segmentation of normalized[0, i), its last token and where it starts.
    const score = new Float64Array(n + 1).fill(-Number.MAX_VALUE);
    const token = new Int32Array(n + 1).fill(unk);
    const from = new Int32Array(n + 1);
    score[0] = 0;
    const texts = this.#sortedTexts;
    for (let i = 0; i < n;) {
      const charLength = normalized.codePointAt(i)! > 0xffff ? 2 : 1;
      let singleCharToken = false;
      // [lo, hi): the sorted texts that start with normalized[i, end); shrink it one unit at a time.
      let lo = 0;
      let hi = texts.length;
      for (let end = i + 1; end <= n && lo < hi; end++) {
        const k = end - i - 1; // index of the unit being matched
        const unit = normalized.charCodeAt(end - 1);
        if (k === 0) {
          lo = this.#firstLo[unit];
          hi = this.#firstHi[unit];
        } else if (k === 1) {
          // Texts of length 1 sort before the two-unit range, so it is exact.
          const range = this.#pairRanges.get(normalized.charCodeAt(i) * 0x10000 + unit);
          if (range === undefined) break;
          lo = Math.floor(range / 2 ** 21);
          hi = range % 2 ** 21;
        } else {
          lo = lowerBound(texts, lo, hi, k, unit);
          hi = lowerBound(texts, lo, hi, k, unit + 1);
        }
        if (lo === hi || texts[lo].length !== k + 1) continue;
        const id = this.#sortedIds[lo];
        if (end - i === charLength) singleCharToken = true;
        const candidate = score[i] + (v.attrs[id] & TokenAttr.USER_DEFINED ? 0 : v.scores[id]);
        if (candidate > score[end]) {
          score[end] = candidate;
          token[end] = id;
          from[end] = i;
        }
      }
      if (!singleCharToken) {
        const end = i + charLength;
        const candidate = score[i] + this.#unknownScore;
        if (candidate > score[end]) {
          score[end] = candidate;
          token[end] = unk;
          from[end] = i;
        }
      }
      i += charLength;
    }
    // Walk back from the end; consecutive unknowns collapse into one.
    const reversed: number[] = [];
    let previousUnknown = false;
    for (let at = n; ; at = from[at]) {
      const unknown = token[at] === unk;
      if (!(previousUnknown && unknown)) reversed.push(token[at]);
      if (from[at] === 0) break;
      previousUnknown = unknown;
    }
    for (let i = reversed.length - 1; i >= 0; i--) out.push(reversed[i]);
  }
}
