// WordPiece (BERT): split text into words at whitespace and around punctuation
// and CJK characters, then cover each word greedily with the longest tokens,
// word-initial pieces spelled with a leading U+2581 (llama.cpp's GGUF convention).
import type { Vocabulary } from './vocabulary.js';
import { WordCache } from './word-cache.js';

const WHITESPACE = /\p{White_Space}/u;
const ASCII = Array.from({ length: 0x80 }, (_, c) => String.fromCharCode(c));
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;
const MARK = /\p{M}/u;
const PUNCTUATION = /\p{P}/u;
const SYMBOL = /\p{S}/u;

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

// How a code point takes part in word splitting (cached per code point; the regexes are slow per character).
const enum CharClass {
  Letter = 0,
  Space = 1,
  Skip = 2,
  Alone = 3,
}

export class WordPieceTokenizer {
  /** CharClass + 1 per BMP code point, 0 = not classified yet. */
  readonly #bmpClasses = new Uint8Array(0x10000);
  readonly #astralClasses = new Map<number, CharClass>();
  readonly #cache = new WordCache();
  /** Normalized form of each non-ASCII character seen (lowercased / first of decomposition). */
  readonly #normalizedChars = new Map<number, string>();
  readonly #coverWord = (word: string, out: number[]) => this.#cover(word, out);

  readonly #vocab: Vocabulary;

  constructor(vocab: Vocabulary) {
    this.#vocab = vocab;
  }

  /** Class of the character at text[i] (code point cp), as used for splitting. */
  #classAt(text: string, i: number, cp: number, width: number): CharClass {
    if (cp < 0x10000) {
      const cached = this.#bmpClasses[cp];
      if (cached) return cached - 1;
    } else {
      const cached = this.#astralClasses.get(cp);
      if (cached !== undefined) return cached;
    }
    const ch = text.slice(i, i + width);
    // llama.cpp classifies the first code point of the decomposition when it strips accents.
    const probe = this.#vocab.stripAccents && cp >= 0x80 ? firstOfDecomposition(ch) : ch;
    const c = this.#classify(probe, probe.codePointAt(0)!);
    if (cp < 0x10000) this.#bmpClasses[cp] = c + 1;
    else this.#astralClasses.set(cp, c);
    return c;
  }

  #classify(ch: string, cp: number): CharClass {
    if (WHITESPACE.test(ch)) return CharClass.Space;
    if (cp === 0 || cp === 0xfffd || CONTROL.test(ch) || (this.#vocab.stripAccents && MARK.test(ch))) return CharClass.Skip;
    if (PUNCTUATION.test(ch) || (cp < 0x7f && SYMBOL.test(ch)) || isChinese(cp)) return CharClass.Alone;
    return CharClass.Letter;
  }

  /** Calls `emit` with each word of `text`: runs of letters, and punctuation / CJK characters on their own; spaces and controls dropped. */
  #words(text: string, emit: (word: string) => void): void {
    let word = ''; // the word so far, already normalized
    let runStart = -1; // start of letters not yet appended to `word`
    const flushRun = (end: number) => {
      if (runStart !== -1) word += this.#normalize(text.slice(runStart, end));
      runStart = -1;
    };
    const endWord = (end: number) => {
      flushRun(end);
      if (word) emit(word);
      word = '';
    };
    for (let i = 0; i < text.length;) {
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const kind = this.#classAt(text, i, cp, width);
      if (kind === CharClass.Letter) {
        if (runStart === -1) runStart = i;
      } else if (kind === CharClass.Space) {
        endWord(i);
      } else if (kind === CharClass.Skip) {
        flushRun(i); // the word goes on after a dropped character
      } else {
        endWord(i);
        emit(cp < 0x80 ? ASCII[cp] : this.#normalize(text.slice(i, i + width)));
      }
      i += width;
    }
    endWord(text.length);
  }

  /** Lowercase / accent-strip a run of letters, one code point to one code point as llama.cpp does. */
  #normalize(run: string): string {
    const { lowercase, stripAccents } = this.#vocab;
    if (!lowercase && !stripAccents) return run;
    // eslint-disable-next-line no-control-regex -- ASCII is exactly U+0000..U+007F
    if (/^[\x00-\x7f]*$/.test(run)) return lowercase ? run.toLowerCase() : run;
    let out = '';
    for (const original of run) {
      const cp = original.codePointAt(0)!;
      let normalized = this.#normalizedChars.get(cp);
      if (normalized === undefined) {
        const ch = stripAccents ? firstOfDecomposition(original) : original;
        normalized = lowercase ? lowerOne(ch) : ch;
        this.#normalizedChars.set(cp, normalized);
      }
      out += normalized;
    }
    return out;
  }

  tokenize(text: string, out: number[]): void {
    this.#words(text, (word) => this.#cache.append(word, out, this.#coverWord));
  }

  /** Covers one word greedily with the longest tokens; an uncoverable word is [UNK]. */
  #cover(word: string, out: number[]): void {
    const { ids, maxTokenLength } = this.#vocab;
    {
      const spelled = `\u2581${word}`;
      const start = out.length;
      for (let i = 0; i < spelled.length;) {
        let matched = false;
        for (let j = Math.min(spelled.length, i + maxTokenLength + 1); j > i; j--) {
          const id = ids.get(spelled.slice(i, j));
          if (id !== undefined) {
            out.push(id);
            i = j;
            matched = true;
            break;
          }
        }
        if (!matched) {
          out.length = start; // a word that cannot be covered becomes [UNK]
          break;
        }
      }
      if (out.length === start && this.#vocab.special.unk !== null) out.push(this.#vocab.special.unk);
    }
  }
}

function firstOfDecomposition(ch: string): string {
  const decomposed = ch.normalize('NFD');
  return decomposed === ch ? ch : String.fromCodePoint(decomposed.codePointAt(0)!);
}

/** Lowercases one code point to one code point where Unicode maps it simply. */
function lowerOne(ch: string): string {
  const lower = ch.toLowerCase();
  return [...lower].length === 1 ? lower : ch;
}
