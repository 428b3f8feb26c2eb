// Reads test cases out of llama.cpp's C++ test sources (from the bundle, at test time): the
// arguments of each call to a function such as test_grammar(desc, grammar, {passing}, {failing}).
// Arguments are string literals (plain, raw, concatenated) or brace lists of them; a value that is
// anything else (token(10) + "x", a variable) reads as null, so callers can skip that case.

const ESCAPES = { n: '\n', t: '\t', r: '\r', '"': '"', "'": "'", '\\': '\\', 0: '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '?': '?' };

export class CppReader {
  constructor(source, pos) {
    this.s = source;
    this.pos = pos;
  }

  skip() {
    for (;;) {
      while (/\s/.test(this.s[this.pos] ?? '')) this.pos++;
      if (this.s.startsWith('//', this.pos)) this.pos = this.s.indexOf('\n', this.pos);
      else if (this.s.startsWith('/*', this.pos)) this.pos = this.s.indexOf('*/', this.pos) + 2;
      else return;
    }
  }

  // One string literal at pos, or null.
  literal() {
    this.skip();
    if (this.s.startsWith('u8', this.pos)) this.pos += 2;
    if (this.s.startsWith('R"', this.pos)) {
      const open = this.s.indexOf('(', this.pos);
      const delim = this.s.slice(this.pos + 2, open);
      const close = this.s.indexOf(`)${delim}"`, open);
      const text = this.s.slice(open + 1, close);
      this.pos = close + delim.length + 2;
      return text;
    }
    if (this.s[this.pos] !== '"') return null;
    let out = '';
    const bytes = [];
    const flush = () => {
      if (bytes.length) out += Buffer.from(bytes.splice(0)).toString('utf8');
    };
    for (this.pos++; this.s[this.pos] !== '"'; this.pos++) {
      const c = this.s[this.pos];
      if (c !== '\\') {
        flush();
        out += c;
        continue;
      }
      const e = this.s[++this.pos];
      if (e === 'x') {
        const m = /^[0-9a-fA-F]+/.exec(this.s.slice(this.pos + 1));
        bytes.push(parseInt(m[0], 16) & 0xff);
        this.pos += m[0].length;
      } else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        flush();
        out += String.fromCodePoint(parseInt(this.s.slice(this.pos + 1, this.pos + 1 + n), 16));
        this.pos += n;
      } else {
        flush();
        out += ESCAPES[e] ?? e;
      }
    }
    flush();
    this.pos++;
    return out;
  }

  // A value: adjacent literals concatenated, a brace list, or null (then skipped to the next , or closer).
  value() {
    this.skip();
    if (this.s[this.pos] === '{') {
      this.pos++;
      const items = [];
      for (;;) {
        this.skip();
        if (this.s[this.pos] === '}') break;
        items.push(this.value());
        this.skip();
        if (this.s[this.pos] === ',') this.pos++;
      }
      this.pos++;
      return items;
    }
    let text = this.literal();
    if (text !== null) {
      for (let next = this.literal(); next !== null; next = this.literal()) text += next;
      this.skip();
      if (',)}'.includes(this.s[this.pos])) return text;
    }
    // Not a plain literal: skip to the end of this argument.
    let depth = 0;
    for (; this.pos < this.s.length; this.pos++) {
      const c = this.s[this.pos];
      if (c === '"') {
        this.literal();
        this.pos--;
      } else if ('({['.includes(c)) depth++;
      else if (')}]'.includes(c)) {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
    }
    return null;
  }
}

/** The argument lists of every call `name(...)` in `source` that is not its definition. */
export function cppCalls(source, name) {
  const calls = [];
  const re = new RegExp(`(?<![\\w:])${name}\\(`, 'g');
  for (const m of source.matchAll(re)) {
    const before = source.slice(Math.max(0, m.index - 30), m.index);
    if (/(void|bool|static)\s+$/.test(before)) continue;
    const reader = new CppReader(source, m.index + m[0].length);
    const args = [];
    for (;;) {
      args.push(reader.value());
      reader.skip();
      if (reader.s[reader.pos] !== ',') break;
      reader.pos++;
    }
    calls.push(args);
  }
  return calls;
}
