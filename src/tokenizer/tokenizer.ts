// The tokenizer of a model: text <-> token ids for every vocabulary family a GGUF
// file can carry, equal to llama.cpp's token for token.
// It lives in TypeScript, not C++: measured on ~1 MB of mixed text it is as fast as the C++ port
// (see scripts/bench-tokenize.mjs), and JS regular expressions have \p{...} built in, which
// byte-level BPE pre-tokenizers need; one implementation, no Unicode tables to carry.
import { checkBoolean, checkOptions, type KeySet } from '../options.js';
import { describe, FathomError, invalidArgument } from '../errors.js';
import type { GgufInfo } from '../gguf/gguf-info.js';
import { readGguf } from '../gguf/read-gguf.js';
import { BpeTokenizer } from './bpe.js';
import { SentencePieceTokenizer } from './sentencepiece.js';
import { CHAR_TO_BYTE, utf8Encoder, wellFormed } from './unicode.js';
import { UnigramTokenizer } from './unigram.js';
import { readVocabulary, TokenAttr, type Vocabulary } from './vocabulary.js';
import { WordPieceTokenizer } from './wordpiece.js';

export interface TokenizeOptions {
  /** Prepend BOS ([CLS] for WordPiece). Default: as the vocabulary says. */
  addBos?: boolean;
  /** Append EOS ([SEP] for WordPiece). Default: as the vocabulary says. */
  addEos?: boolean;
  /** Parse control-token text (e.g. "<|im_start|>") into its id. Default: false (plain text). */
  special?: boolean;
}

export interface DetokenizeOptions {
  /** Render control tokens (BOS, EOS, ...) as their text. Default: false. */
  special?: boolean;
}

const TOKENIZE_KEYS = { addBos: true, addEos: true, special: true } as const satisfies KeySet<TokenizeOptions>;
const DETOKENIZE_KEYS = { special: true } as const satisfies KeySet<DetokenizeOptions>;

interface Engine {
  tokenize(text: string, out: number[]): void;
}

const SPM_SPACE = '\u2581';
const ESCAPED_SPACE = /\u2581/g;

export class Tokenizer {
  readonly vocabulary: Vocabulary;
  readonly #engine: Engine;
  readonly #pieces: Array<Uint8Array | undefined>;
  readonly #decoder = new TextDecoder();
  /** A trie over special-token texts (UTF-16 units), to find which occur in a text in one pass. */
  readonly #specialTrie: TrieNode = { next: new Map(), ids: [] };
  readonly #startsSpecial = new Uint8Array(0x10000);

  constructor(info: GgufInfo) {
    this.vocabulary = readVocabulary(info);
    const v = this.vocabulary;
    this.#engine =
      v.kind === 'spm'
        ? new SentencePieceTokenizer(v)
        : v.kind === 'bpe'
          ? new BpeTokenizer(v)
          : v.kind === 'wpm'
            ? new WordPieceTokenizer(v)
            : new UnigramTokenizer(v);
    this.#pieces = new Array(v.texts.length);
    for (const id of v.specialByLength) {
      this.#startsSpecial[v.texts[id].charCodeAt(0)] = 1;
      let node = this.#specialTrie;
      for (let i = 0; i < v.texts[id].length; i++) {
        const unit = v.texts[id].charCodeAt(i);
        let child = node.next.get(unit);
        if (!child) node.next.set(unit, (child = { next: new Map(), ids: [] }));
        node = child;
      }
      node.ids.push(id);
    }
  }

  /** The special tokens whose text occurs in `text`. */
  #specialsIn(text: string, parseSpecial: boolean): Set<number> {
    const found = new Set<number>();
    const v = this.vocabulary;
    for (let i = 0; i < text.length; i++) {
      if (!this.#startsSpecial[text.charCodeAt(i)]) continue;
      let node = this.#specialTrie.next.get(text.charCodeAt(i));
      for (let j = i + 1; node; j++) {
        for (const id of node.ids) if (parseSpecial || !(v.attrs[id] & (TokenAttr.CONTROL | TokenAttr.UNKNOWN))) found.add(id);
        node = j < text.length ? node.next.get(text.charCodeAt(j)) : undefined;
      }
    }
    return found;
  }

  get size(): number {
    return this.vocabulary.texts.length;
  }

  isEog(token: number): boolean {
    return this.vocabulary.eog.has(token);
  }

  tokenize(text: string, options: TokenizeOptions = {}): number[] {
    if (typeof text !== 'string') throw invalidArgument('text must be a string');
    checkOptions(options, TOKENIZE_KEYS, 'tokenize options');
    for (const key of ['addBos', 'addEos', 'special'] as const) checkBoolean(options[key], key);
    const v = this.vocabulary;
    const wordPiece = v.kind === 'wpm';
    const { addBos = wordPiece || v.addBos, addEos = wordPiece ? v.addSep || true : v.addEos, special = false } = options;
    const bos = v.special.bos;
    const eos = wordPiece ? v.special.sep : v.special.eos;
    const out: number[] = [];
    if (addBos) {
      if (bos === null) throw invalidArgument('this vocabulary has no BOS token');
      out.push(bos);
    }
    let afterSpecial = true; // SentencePiece prefixes a space to text that starts the input or follows a special token
    for (const fragment of this.#splitSpecial(wellFormed(text), special)) {
      if (typeof fragment === 'number') {
        out.push(fragment);
        afterSpecial = true;
        continue;
      }
      let raw = fragment;
      if (v.kind === 'spm') {
        raw = (v.addSpacePrefix && afterSpecial ? ' ' : '') + raw;
        raw = raw.replaceAll(' ', SPM_SPACE);
      } else if (v.escapeWhitespaces && v.kind === 'bpe') {
        raw = raw.replaceAll(' ', SPM_SPACE);
      }
      this.#engine.tokenize(raw, out);
      afterSpecial = false;
    }
    if (addEos) {
      if (eos === null) throw invalidArgument('this vocabulary has no EOS token');
      out.push(eos);
    }
    return out;
  }

  /** Splits text around special-token text: strings are raw text, numbers are matched token ids. */
  #splitSpecial(text: string, parseSpecial: boolean): Array<string | number> {
    const v = this.vocabulary;
    let fragments: Array<string | number> = text ? [text] : [];
    // Without `special`, control and unknown tokens stay text; user-defined tokens are always matched.
    const present = this.#specialsIn(text, parseSpecial);
    if (present.size === 0) return fragments;
    // Longest first, each splitting every fragment the previous ones left, as llama.cpp does.
    for (const id of v.specialByLength) {
      if (!present.has(id)) continue;
      const attr = v.attrs[id];
      const needle = v.texts[id];
      const next: Array<string | number> = [];
      for (const fragment of fragments) {
        if (typeof fragment === 'number') {
          next.push(fragment);
          continue;
        }
        let rest = fragment;
        for (let at = rest.indexOf(needle); at !== -1; at = rest.indexOf(needle)) {
          let left = rest.slice(0, at);
          if (attr & TokenAttr.LSTRIP) left = left.replace(/[ \t\n\v\f\r]+$/, '');
          if (left) next.push(left);
          next.push(id);
          rest = rest.slice(at + needle.length);
          if (attr & TokenAttr.RSTRIP) rest = rest.replace(/^[ \t\n\v\f\r]+/, '');
        }
        if (rest) next.push(rest);
      }
      fragments = next;
    }
    return fragments;
  }

  /** The UTF-8 bytes of one token (may be part of a character). Control tokens are empty unless `special`. */
  piece(token: number, special = false): Uint8Array {
    const v = this.vocabulary;
    this.#check(token);
    if (!special && v.attrs[token] & (TokenAttr.CONTROL | TokenAttr.UNKNOWN)) return EMPTY;
    let bytes = this.#pieces[token];
    if (!bytes) {
      bytes = this.#spell(token);
      this.#pieces[token] = bytes;
    }
    return bytes;
  }

  #spell(token: number): Uint8Array {
    const v = this.vocabulary;
    const attr = v.attrs[token];
    const text = v.texts[token];
    if (attr & (TokenAttr.CONTROL | TokenAttr.UNKNOWN | TokenAttr.USER_DEFINED)) return utf8Encoder.encode(text);
    if (attr & TokenAttr.BYTE) return Uint8Array.of(parseInt(text.slice(3, 5), 16));
    if (!(attr & TokenAttr.NORMAL)) return EMPTY;
    if (v.kind === 'bpe' && !v.escapeWhitespaces) return byteDecode(text);
    return utf8Encoder.encode(text.replace(ESCAPED_SPACE, ' '));
  }

  /** Throws INVALID_ARGUMENT unless every id is in the vocabulary. */
  checkTokens(tokens: readonly number[]): void {
    for (const t of tokens) this.#check(t);
  }

  #check(token: number): void {
    if (!Number.isInteger(token)) throw invalidArgument(`token ids are integers, got ${describe(token)}`);
    if (token < 0 || token >= this.size) throw invalidArgument(`token id ${token} is out of range (vocabulary has ${this.size} tokens)`);
  }

  /** Text of a token list, as llama.cpp's detokenizer gives it. */
  detokenize(tokens: readonly number[], options: DetokenizeOptions = {}): string {
    if (!Array.isArray(tokens)) throw invalidArgument('tokens must be an array of token ids');
    checkOptions(options, DETOKENIZE_KEYS, 'detokenize options');
    checkBoolean(options.special, 'special');
    const v = this.vocabulary;
    const parts: Uint8Array[] = [];
    let length = 0;
    tokens.forEach((token, i) => {
      let bytes = this.piece(token, options.special ?? false);
      // The space SentencePiece adds in front of the text is not part of it.
      if (i === 0 && v.addSpacePrefix && bytes[0] === 0x20) bytes = bytes.subarray(1);
      parts.push(bytes);
      length += bytes.length;
    });
    const all = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      all.set(p, at);
      at += p.length;
    }
    const text = this.#decoder.decode(all);
    return v.cleanSpaces ? cleanSpaces(text) : text;
  }
}

const EMPTY = new Uint8Array(0);

interface TrieNode {
  next: Map<number, TrieNode>;
  /** Tokens whose text ends here. */
  ids: number[];
}

/** Byte-level BPE token text -> bytes (characters outside the byte map are spelled out as llama.cpp does). */
function byteDecode(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const ch of text) {
    const b = CHAR_TO_BYTE.get(ch.codePointAt(0)!);
    if (b !== undefined) bytes.push(b);
    else {
      const raw = utf8Encoder.encode(ch);
      const hex = Array.from(raw, (x) => x.toString(16).padStart(2, '0')).join('');
      bytes.push(...utf8Encoder.encode(`[UNK_BYTE_0x${hex}${text}]`));
    }
  }
  return Uint8Array.from(bytes);
}

/** Hugging Face's clean_up_tokenization_spaces, as llama.cpp applies it. */
function cleanSpaces(text: string): string {
  return text
    .replace(/ ([?!.,])/g, '$1')
    .replace(/ ' /g, "'")
    .replace(/ '(s|m|re|ve)/g, "'$1");
}

/** Loads only the tokenizer of a GGUF file (no weights): works on vocab-only files too. */
export async function loadTokenizer(path: string): Promise<Tokenizer> {
  return new Tokenizer(await readGguf(path));
}

export function tokenizerFromInfo(info: GgufInfo): Tokenizer {
  if (info.metadata['tokenizer.ggml.model'] === undefined) {
    throw new FathomError('INVALID_GGUF', `${info.path} has no tokenizer (tokenizer.ggml.model is missing)`);
  }
  return new Tokenizer(info);
}
