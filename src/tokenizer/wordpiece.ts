// WordPiece (BERT): split text into words at whitespace and around punctuation
// and CJK characters, then cover each word greedily with the longest tokens,
// word-initial pieces spelled with a leading U+2581 (llama.cpp's GGUF convention).
import type { Vocabulary } from './vocabulary.js';

const WHITESPACE = /\p{White_Space}/u;
const CONTROL = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u;
const MARK = /\p{M}/u;
const PUNCTUATION = /\p{P}/u;
const SYMBOL = /\p{S}/u;

function isChinese(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

export class WordPieceTokenizer {
  constructor(private readonly vocab: Vocabulary) {}

  private words(text: string): string[] {
    const words: string[] = [''];
    for (const original of text) {
      // llama.cpp's accent stripping keeps only the first code point of each character's
      // decomposition (so a Hangul syllable becomes its leading consonant); match it.
      const ch = this.vocab.stripAccents ? firstOfDecomposition(original) : original;
      const cp = ch.codePointAt(0)!;
      if (WHITESPACE.test(ch)) {
        if (words[words.length - 1]) words.push('');
        continue;
      }
      if (cp === 0 || cp === 0xfffd || CONTROL.test(ch)) continue;
      if (this.vocab.stripAccents && MARK.test(ch)) continue;
      const s = this.vocab.lowercase ? lowerOne(ch) : ch;
      if (PUNCTUATION.test(ch) || (cp < 0x7f && SYMBOL.test(ch)) || isChinese(cp)) {
        if (words[words.length - 1]) words.push('');
        words[words.length - 1] = s;
        words.push('');
      } else {
        words[words.length - 1] += s;
      }
    }
    if (!words[words.length - 1]) words.pop();
    return words;
  }

  tokenize(text: string, out: number[]): void {
    const { ids, maxTokenLength } = this.vocab;
    for (const word of this.words(text)) {
      const spelled = `\u2581${word}`;
      const start = out.length;
      for (let i = 0; i < spelled.length; ) {
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
      if (out.length === start && this.vocab.special.unk !== null) out.push(this.vocab.special.unk);
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
