// GBNF, the grammar dialect of the pinned llama.cpp (its grammars/README.md), parsed into a
// GrammarSource: alternatives, groups, literals with escapes, character classes (ranges,
// negation, `.`), repetitions (* + ? {m} {m,} {m,n}), tokens (<[id]>, <text>, !<...>),
// comments. Errors are INVALID_GRAMMAR with the line and column. Repetitions are expanded
// the way llama.cpp expands them (and with its limits), so the languages are the same.
import { FathomError } from '../errors.js';
import { MAX_CODE_POINT, type GrammarItem, type GrammarSource } from './grammar-source.js';

// llama.cpp's MAX_REPETITION_THRESHOLD: larger exact counts are refused, larger upper bounds
// mean "no upper bound", and nested repetitions may not multiply past it.
const MAX_REPETITION = 2000;
// Expanded repetitions can still be large: past this many items the grammar is refused.
const MAX_ITEMS = 2_000_000;

export function gbnfError(text: string, offset: number, message: string): FathomError {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return new FathomError('INVALID_GRAMMAR', `GBNF line ${line}, column ${column}: ${message}`);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isWordChar = (c: string | undefined): boolean => c !== undefined && (/[a-zA-Z0-9-]/.test(c) as boolean);

class GbnfParser {
  readonly #text: string;
  #pos = 0;
  readonly #ids = new Map<string, number>();
  readonly #rules: Array<GrammarItem[][] | undefined> = [];
  // Where each rule was first referenced, for "undefined rule" errors.
  readonly #firstUse = new Map<number, number>();
  #items = 0;

  constructor(text: string) {
    this.#text = text;
  }

  parse(): GrammarSource {
    this.#skipSpace(true);
    while (this.#pos < this.#text.length) this.#rule();
    const names = [...this.#ids.keys()];
    if (this.#rules.length === 0) throw gbnfError(this.#text, 0, 'the grammar defines no rules');
    const root = this.#ids.get('root');
    if (root === undefined || !this.#rules[root]) throw gbnfError(this.#text, this.#text.length, "the grammar has no 'root' rule");
    for (let id = 0; id < names.length; id++) {
      if (!this.#rules[id]) throw gbnfError(this.#text, this.#firstUse.get(id) ?? 0, `undefined rule '${names[id]}'`);
    }
    return { rules: this.#rules as GrammarItem[][][], names, root };
  }

  #error(message: string, at = this.#pos): FathomError {
    return gbnfError(this.#text, at, message);
  }

  #peek(offset = 0): string | undefined {
    return this.#text[this.#pos + offset];
  }

  #skipSpace(newlines: boolean): void {
    const t = this.#text;
    while (this.#pos < t.length) {
      const c = t[this.#pos];
      if (c === '#') {
        while (this.#pos < t.length && t[this.#pos] !== '\n' && t[this.#pos] !== '\r') this.#pos++;
      } else if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) {
        this.#pos++;
      } else {
        break;
      }
    }
  }

  #name(): string {
    const start = this.#pos;
    while (isWordChar(this.#peek())) this.#pos++;
    if (this.#pos === start) throw this.#error('expecting a rule name (letters, digits and -)');
    return this.#text.slice(start, this.#pos);
  }

  #id(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(name, id);
    }
    return id;
  }

  // A helper rule for a group or a repetition, named after the rule it serves (as llama.cpp does).
  #helper(base: string): number {
    const id = this.#ids.size;
    this.#ids.set(`${base}_${id}`, id);
    return id;
  }

  #define(id: number, alternatives: GrammarItem[][]): void {
    this.#rules[id] = alternatives;
  }

  #rule(): void {
    const at = this.#pos;
    const name = this.#name();
    this.#skipSpace(false);
    if (!this.#text.startsWith('::=', this.#pos)) throw this.#error(`expecting '::=' after the rule name '${name}'`);
    this.#pos += 3;
    this.#skipSpace(true);
    const id = this.#id(name);
    if (this.#rules[id]) throw this.#error(`rule '${name}' is defined twice`, at);
    this.#define(id, this.#alternatives(name, false));
    const c = this.#peek();
    if (c === '\r') this.#pos += this.#peek(1) === '\n' ? 2 : 1;
    else if (c === '\n') this.#pos++;
    else if (c !== undefined) throw this.#error(`unexpected ${JSON.stringify(c)}: expecting a newline or the end of the rule`);
    this.#skipSpace(true);
  }

  #alternatives(name: string, nested: boolean): GrammarItem[][] {
    const alternatives = [this.#sequence(name, nested)];
    while (this.#peek() === '|') {
      this.#pos++;
      this.#skipSpace(true);
      alternatives.push(this.#sequence(name, nested));
    }
    return alternatives;
  }

  #count(items: number): void {
    this.#items += items;
    if (this.#items > MAX_ITEMS) throw this.#error(`the grammar expands to more than ${MAX_ITEMS} elements (nested repetitions?)`);
  }

  #sequence(name: string, nested: boolean): GrammarItem[] {
    const seq: GrammarItem[] = [];
    let lastStart = -1; // where the previous symbol starts in seq (-1: none to repeat)
    let multiplier = 1; // how many rules the previous symbol already stands for, repeated
    for (;;) {
      const c = this.#peek();
      const at = this.#pos;
      if (c === '"') {
        this.#pos++;
        lastStart = seq.length;
        multiplier = 1;
        while (this.#peek() !== '"') {
          if (this.#peek() === undefined) throw this.#error('unterminated string literal', at);
          const cp = this.#char();
          seq.push({ kind: 'chars', ranges: [[cp, cp]], negated: false });
        }
        this.#pos++;
      } else if (c === '[') {
        this.#pos++;
        const negated = this.#peek() === '^';
        if (negated) this.#pos++;
        const ranges: Array<[number, number]> = [];
        while (this.#peek() !== ']') {
          if (this.#peek() === undefined) throw this.#error('unterminated character class', at);
          const rangeAt = this.#pos;
          const first = this.#char();
          if (this.#peek() === '-' && this.#peek(1) !== ']' && this.#peek(1) !== undefined) {
            this.#pos++;
            const last = this.#char();
            if (last < first) throw this.#error('a character range must go from low to high', rangeAt);
            ranges.push([first, last]);
          } else {
            ranges.push([first, first]);
          }
        }
        this.#pos++;
        lastStart = seq.length;
        multiplier = 1;
        seq.push({ kind: 'chars', ranges, negated });
      } else if (c === '<' || (c === '!' && this.#peek(1) === '<')) {
        const negated = c === '!';
        if (negated) this.#pos++;
        lastStart = seq.length;
        multiplier = 1;
        seq.push({ kind: 'token', token: this.#token(), negated });
      } else if (isWordChar(c)) {
        const ref = this.#name();
        const id = this.#id(ref);
        if (!this.#firstUse.has(id)) this.#firstUse.set(id, at);
        lastStart = seq.length;
        multiplier = 1;
        seq.push({ kind: 'rule', rule: id });
      } else if (c === '(') {
        this.#pos++;
        this.#skipSpace(true);
        const before = this.#ids.size;
        const id = this.#helper(name);
        this.#define(id, this.#alternatives(name, true));
        multiplier = Math.max(1, this.#ids.size - before);
        lastStart = seq.length;
        seq.push({ kind: 'rule', rule: id });
        if (this.#peek() !== ')') throw this.#error("expecting ')' to close the group", at);
        this.#pos++;
      } else if (c === '.') {
        this.#pos++;
        lastStart = seq.length;
        multiplier = 1;
        seq.push({ kind: 'chars', ranges: [[0, MAX_CODE_POINT]], negated: false });
      } else if (c === '*' || c === '+' || c === '?') {
        this.#pos++;
        this.#skipSpace(nested);
        multiplier = this.#repeat(seq, lastStart, name, c === '+' ? 1 : 0, c === '?' ? 1 : Infinity, multiplier, at);
        continue;
      } else if (c === '{') {
        this.#pos++;
        this.#skipSpace(nested);
        const min = this.#integer();
        this.#skipSpace(nested);
        let max = min;
        if (this.#peek() === ',') {
          this.#pos++;
          this.#skipSpace(nested);
          max = isDigit(this.#peek()) ? this.#integer() : Infinity;
          this.#skipSpace(nested);
        }
        if (this.#peek() !== '}') throw this.#error(max === min ? "expecting ',' or '}' in a repetition" : "expecting '}' to close the repetition");
        this.#pos++;
        if (min > MAX_REPETITION) throw this.#error(`a repetition of more than ${MAX_REPETITION} times is not supported`, at);
        if (max > MAX_REPETITION) max = Infinity;
        if (max < min) throw this.#error('a repetition {m,n} needs m <= n', at);
        this.#skipSpace(nested);
        multiplier = this.#repeat(seq, lastStart, name, min, max, multiplier, at);
        continue;
      } else {
        break;
      }
      this.#count(seq.length - lastStart);
      this.#skipSpace(nested);
    }
    return seq;
  }

  // S{min,max}: S min times, then (max - min) nested optional copies (or one starred rule if unbounded).
  #repeat(seq: GrammarItem[], lastStart: number, name: string, min: number, max: number, multiplier: number, at: number): number {
    if (lastStart < 0 || lastStart >= seq.length) throw this.#error('a repetition needs something before it to repeat', at);
    const symbol = seq.slice(lastStart);
    const total = max !== Infinity && max > 0 ? max : Math.max(min, 1);
    if (multiplier * total >= MAX_REPETITION) throw this.#error(`nested repetitions multiply to more than ${MAX_REPETITION} copies`, at);
    seq.length = lastStart;
    for (let i = 0; i < min; i++) seq.push(...symbol);
    // Charged before expanding: min copies here, and one per optional level (or one starred copy).
    this.#count(symbol.length * (min + (max === Infinity ? 1 : max - min)));
    if (max === Infinity) {
      const id = this.#helper(name);
      this.#define(id, [[...symbol, { kind: 'rule', rule: id }], []]);
      seq.push({ kind: 'rule', rule: id });
    } else if (max > min) {
      // optional(k) ::= S optional(k - 1) | (empty), innermost first.
      let inner = -1;
      for (let k = 0; k < max - min; k++) {
        const id = this.#helper(name);
        this.#define(id, [[...symbol, ...(inner >= 0 ? [{ kind: 'rule', rule: inner } as GrammarItem] : [])], []]);
        inner = id;
      }
      seq.push({ kind: 'rule', rule: inner });
    }
    return multiplier * total;
  }

  #integer(): number {
    const start = this.#pos;
    while (isDigit(this.#peek())) this.#pos++;
    if (this.#pos === start) throw this.#error('expecting an integer');
    return Number(this.#text.slice(start, this.#pos));
  }

  // One character of a literal or class: an escape or a code point.
  #char(): number {
    const t = this.#text;
    if (t[this.#pos] !== '\\') {
      const cp = t.codePointAt(this.#pos)!;
      this.#pos += cp > 0xffff ? 2 : 1;
      return cp;
    }
    const at = this.#pos;
    const e = t[this.#pos + 1];
    this.#pos += 2;
    const hex = (digits: number): number => {
      const s = t.slice(this.#pos, this.#pos + digits);
      if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(s)) throw this.#error(`expecting ${digits} hex digits after \\${e}`, at);
      this.#pos += digits;
      const cp = parseInt(s, 16);
      if (cp > MAX_CODE_POINT) throw this.#error(`\\${e}${s} is not a Unicode code point`, at);
      return cp;
    };
    switch (e) {
      case 'x':
        return hex(2);
      case 'u':
        return hex(4);
      case 'U':
        return hex(8);
      case 't':
        return 9;
      case 'r':
        return 13;
      case 'n':
        return 10;
      case '\\':
      case '"':
      case '[':
      case ']':
      case '-':
        return e.codePointAt(0)!;
      default:
        throw this.#error(e === undefined ? 'unfinished escape' : `unknown escape \\${e}`, at);
    }
  }

  // <[id]> or <text>: the token's id, or its text with the angle brackets (resolved per vocabulary).
  #token(): number | string {
    const at = this.#pos;
    this.#pos++; // '<'
    if (this.#peek() === '[') {
      this.#pos++;
      const id = this.#integer();
      if (this.#peek() !== ']' || this.#peek(1) !== '>') throw this.#error("expecting ']>' to close a token id", at);
      this.#pos += 2;
      return id;
    }
    const end = this.#text.indexOf('>', this.#pos);
    if (end < 0) throw this.#error("expecting '>' to close a token", at);
    this.#pos = end + 1;
    return this.#text.slice(at, end + 1);
  }
}

/** Parses GBNF text; throws INVALID_GRAMMAR with the line and column of the first error. */
export function parseGbnf(text: string): GrammarSource {
  try {
    return new GbnfParser(text).parse();
  } catch (error) {
    // Groups nest by recursion: a grammar nested deeper than the JS stack allows is refused, not a crash.
    if (error instanceof RangeError) throw new FathomError('INVALID_GRAMMAR', 'the grammar nests groups too deeply', { cause: error });
    throw error;
  }
}

/** `text` with every reference to (and the definition of) rule `from` named `to` instead. */
export function renameRule(text: string, from: string, to: string): string {
  let out = '';
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (c === '"' || c === '[') {
      // A literal or a character class: copied as it is, escapes included.
      const close = c === '"' ? '"' : ']';
      let j = i + 1;
      while (j < text.length && text[j] !== close) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '#') {
      const end = text.indexOf('\n', i);
      out += text.slice(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    } else if (isWordChar(c)) {
      let j = i;
      while (isWordChar(text[j])) j++;
      const word = text.slice(i, j);
      out += word === from ? to : word;
      i = j;
    } else out += text[i++];
  }
  return out;
}
