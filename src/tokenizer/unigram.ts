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
  private readonly trie: Uint32Array;
  private readonly replacements: Uint8Array;

  constructor(blob: Uint8Array) {
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const trieBytes = blob.length >= 4 ? view.getUint32(0, true) : 0;
    if (blob.length < 4 || trieBytes + 4 >= blob.length) throw new Error('precompiled_charsmap is truncated');
    this.trie = new Uint32Array(trieBytes / 4);
    for (let i = 0; i < this.trie.length; i++) this.trie[i] = view.getUint32(4 + 4 * i, true);
    this.replacements = blob.subarray(4 + trieBytes);
  }

  private node(i: number): number {
    if (i >= this.trie.length) throw new Error('precompiled_charsmap trie index out of range');
    return this.trie[i];
  }
  private base(i: number): number {
    const n = this.node(i);
    return ((n >>> 10) << ((n & (1 << 9)) >>> 6)) >>> 0;
  }

  /** The longest input prefix with a replacement: [consumed bytes, replacement bytes], or null. */
  match(input: Uint8Array, offset: number): [number, Uint8Array] | null {
    let index = this.base(0);
    let best: [number, number] | null = null;
    for (let at = offset; at < input.length; at++) {
      const c = input[at];
      if (c === 0) break;
      index = (index ^ c) >>> 0;
      const packed = this.node(index);
      if ((packed & ((1 << 31) | 0xff)) >>> 0 !== c) break;
      const leaf = (packed >>> 8) & 1;
      index = (index ^ this.base(index)) >>> 0;
      if (leaf) best = [at - offset + 1, this.node(index) & 0x7fffffff];
    }
    if (!best) return null;
    const [consumed, start] = best;
    let end = start;
    while (end < this.replacements.length && this.replacements[end] !== 0) end++;
    if (start >= this.replacements.length || end === this.replacements.length) throw new Error('precompiled_charsmap replacement out of range');
    return [consumed, this.replacements.subarray(start, end)];
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

export class UnigramTokenizer {
  private readonly charsmap: Charsmap | null;
  private readonly userDefined: Map<number, number>;
  /** Tokens Viterbi may use (normal, user-defined, unused), by text. */
  private readonly candidates = new Map<string, number>();
  private readonly unknownScore: number;
  private readonly decoder = new TextDecoder();

  constructor(private readonly vocab: Vocabulary) {
    this.charsmap = vocab.precompiledCharsmap ? new Charsmap(vocab.precompiledCharsmap) : null;
    let minScore = Infinity;
    const userDefined: string[] = [];
    vocab.texts.forEach((text, id) => {
      const attr = vocab.attrs[id];
      if (attr & TokenAttr.NORMAL) minScore = Math.min(minScore, vocab.scores[id]);
      if (attr & (TokenAttr.NORMAL | TokenAttr.USER_DEFINED | TokenAttr.UNUSED) && !this.candidates.has(text)) this.candidates.set(text, id);
      if (attr & TokenAttr.USER_DEFINED) userDefined.push(text);
    });
    this.userDefined = buildByteTrie(userDefined);
    this.unknownScore = (minScore === Infinity ? 3.4028234663852886e38 : minScore) - UNKNOWN_PENALTY;
  }

  private normalize(text: string): string {
    const input = utf8Encoder.encode(text);
    const v = this.vocab;
    const space = v.escapeWhitespaces ? ESCAPED_SPACE : [SPACE];
    const mergeSpaces = v.removeExtraWhitespaces;
    const out: number[] = [];
    let spacePrepended = false;
    let inWord = false;
    for (let offset = 0; offset < input.length; ) {
      const [consumed, replacement] = this.normalizePrefix(input, offset);
      for (const c of replacement) {
        if (c !== SPACE) {
          if (!inWord) {
            inWord = true;
            if ((v.addSpacePrefix && !spacePrepended) || mergeSpaces) {
              out.push(...space);
              spacePrepended = true;
            }
          }
          out.push(c);
        } else {
          inWord = false;
          if (!mergeSpaces) out.push(...space);
        }
      }
      offset += consumed;
    }
    return this.decoder.decode(Uint8Array.from(out));
  }

  private normalizePrefix(input: Uint8Array, offset: number): [number, Uint8Array] {
    // User-defined token text passes through untouched (as deep as their trie can follow it).
    let node = 0;
    let depth = 0;
    for (let at = offset; at < input.length; at++) {
      const child = this.userDefined.get(node * 256 + input[at]);
      if (child === undefined) break;
      node = child;
      depth++;
    }
    if (depth > 0) return [depth, input.subarray(offset, offset + depth)];
    const replaced = this.charsmap?.match(input, offset);
    if (replaced) return replaced;
    const lead = input[offset];
    const length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    return [length, input.subarray(offset, offset + length)];
  }

  tokenize(text: string, out: number[]): void {
    const v = this.vocab;
    const normalized = this.normalize(text);
    const n = normalized.length;
    if (n === 0) return;
    const unk = v.special.unk ?? 0;
    // best[i]: highest score of a segmentation of normalized[0, i), its last token and where it starts.
    const score = new Float64Array(n + 1).fill(-Number.MAX_VALUE);
    const token = new Int32Array(n + 1).fill(unk);
    const from = new Int32Array(n + 1);
    score[0] = 0;
    const maxLength = v.maxTokenLength;
    for (let i = 0; i < n; ) {
      const charLength = normalized.codePointAt(i)! > 0xffff ? 2 : 1;
      let singleCharToken = false;
      for (let end = i + 1; end <= Math.min(n, i + maxLength); end++) {
        const id = this.candidates.get(normalized.slice(i, end));
        if (id === undefined) continue;
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
        const candidate = score[i] + this.unknownScore;
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
