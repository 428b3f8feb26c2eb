// Unicode helpers shared by the tokenizers: UTF-8 byte views of JS strings and
// GPT-2's reversible byte <-> printable-character mapping used by byte-level BPE.

export const utf8Encoder = new TextEncoder();

/** Byte b -> the printable character byte-level BPE vocabularies spell it with. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const table: string[] = new Array(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) table[b] = String.fromCodePoint(printable(b) ? b : 256 + shifted++);
  return table;
})();

/** The inverse of BYTE_TO_CHAR, keyed by code point. */
export const CHAR_TO_BYTE: ReadonlyMap<number, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c.codePointAt(0)!, b]));

/** Spells the UTF-8 bytes of `text` with BYTE_TO_CHAR. */
export function byteEncode(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  let out = '';
  if (ascii) {
    for (let i = 0; i < text.length; i++) out += BYTE_TO_CHAR[text.charCodeAt(i)];
    return out;
  }
  for (const b of utf8Encoder.encode(text)) out += BYTE_TO_CHAR[b];
  return out;
}

/** Replaces lone surrogates with U+FFFD, as UTF-8 conversion at the N-API boundary does. */
export function wellFormed(text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed();
}
