// LFM2 / LFM2.5 (Liquid): calls as a Python list of calls with keyword arguments,
//   <|tool_call_start|>[get_weather(city="Paris", days=3)]<|tool_call_end|>
// values Python literals (True, None, 'x') or JSON ones; reasoning (LFM2.5-8B) in <think>…</think>.
import { gbnfLiteral, type JsonSchema, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { asObject } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

const OPEN = '<|tool_call_start|>';
const CLOSE = '<|tool_call_end|>';

export class Lfm2Syntax extends MarkedCallSyntax {
  constructor(reasoning: ReasoningMarkers | null) {
    super('lfm2', reasoning, [OPEN]);
  }

  protected readCalls(text: string): ToolCall[] | null {
    const reader = new PythonReader(text, OPEN.length);
    const calls = reader.calls();
    if (!calls) return null;
    const rest = text.slice(reader.pos).trim();
    return rest === '' || rest === CLOSE ? calls : null;
  }

  // Keyword arguments in the schema's order, each value JSON (which the reader takes as Python too).
  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = alternatives(
      tools.map((tool) => {
        const properties = Object.entries(asObject(tool.parameters.properties) ?? {});
        const required = new Set(Array.isArray(tool.parameters.required) ? tool.parameters.required : []);
        const items = properties.map(([key, schema]) => `${gbnfLiteral(`${key}=`)} ${schemas.add(`${tool.name}-${key}`, schema as JsonSchema)}`);
        return `${gbnfLiteral(`${tool.name}(`)} ${keywordList(
          items,
          properties.map(([key]) => required.has(key)),
        )} ")"`;
      }),
    );
    return { rules: `Calls ::= ${gbnfLiteral(`${OPEN}[`)} ${repeated(call, parallel, '", "')} ${gbnfLiteral(`]${CLOSE}`)}\n`, triggers: [OPEN] };
  }
}

// Items in order separated by ", ", the optional ones possibly left out: one alternative per item that comes first.
function keywordList(items: string[], required: boolean[]): string {
  const tail = (from: number) =>
    items
      .slice(from)
      .map((item, i) => (required[from + i] ? `", " ${item}` : `( ", " ${item} )?`))
      .join(' ');
  const starts: string[] = [];
  for (let first = 0; first < items.length; first++) {
    starts.push(`${items[first]} ${tail(first + 1)}`.trim());
    if (required[first]) break; // nothing after a required item can come first
  }
  if (required.every((r) => !r)) starts.push('""');
  return starts.length ? alternatives(starts.map((s) => `( ${s} )`)) : '""';
}

// Python literals (and JSON's), and a list of calls with keyword arguments.
class PythonReader {
  constructor(
    readonly text: string,
    public pos: number,
  ) {}

  calls(): ToolCall[] | null {
    if (!this.#eat('[')) return null;
    const calls: ToolCall[] = [];
    while (!this.#eat(']')) {
      const name = /^[A-Za-z_][\w.]*/.exec(this.text.slice(this.pos))?.[0];
      if (!name) return null;
      this.pos += name.length;
      if (!this.#eat('(')) return null;
      const args: ToolCall['arguments'] = {};
      while (!this.#eat(')')) {
        this.#skip();
        const key = /^[A-Za-z_]\w*/.exec(this.text.slice(this.pos))?.[0];
        if (!key) return null;
        this.pos += key.length;
        if (!this.#eat('=')) return null;
        const value = this.value();
        if (value === undefined) return null;
        args[key] = value as ToolCall['arguments'][string];
        this.#eat(',');
      }
      calls.push({ name, arguments: args });
      this.#eat(',');
    }
    return calls;
  }

  value(): unknown {
    this.#skip();
    const t = this.text;
    const c = t[this.pos];
    if (c === '"' || c === "'") return this.#string(c);
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      this.pos++;
      const items: unknown[] = [];
      while (!this.#eat(close)) {
        const v = this.value();
        if (v === undefined) return undefined;
        items.push(v);
        this.#eat(',');
      }
      return items;
    }
    if (c === '{') {
      this.pos++;
      const out: Record<string, unknown> = {};
      while (!this.#eat('}')) {
        const key = this.value();
        if (typeof key !== 'string' || !this.#eat(':')) return undefined;
        const v = this.value();
        if (v === undefined) return undefined;
        out[key] = v;
        this.#eat(',');
      }
      return out;
    }
    const word = /^(True|False|None|true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(t.slice(this.pos, this.pos + 100))?.[0];
    if (!word) return undefined;
    this.pos += word.length;
    const constants: Record<string, unknown> = { True: true, False: false, None: null, true: true, false: false, null: null };
    return word in constants ? constants[word] : Number(word);
  }

  // A quoted string with Python's escapes.
  #string(quote: string): string | undefined {
    const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"' };
    let out = '';
    for (this.pos++; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos]!;
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[++this.pos]!;
      if (e === 'u') {
        out += String.fromCharCode(parseInt(this.text.slice(this.pos + 1, this.pos + 5), 16));
        this.pos += 4;
      } else out += ESCAPES[e] ?? `\\${e}`;
    }
    return undefined;
  }

  #eat(c: string): boolean {
    this.#skip();
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  #skip(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }
}
