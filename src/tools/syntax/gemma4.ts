// Gemma 4: calls in its own object notation (bare keys, strings between <|"|> marks),
//   <|tool_call>call:get_weather{city:<|"|>Paris<|"|>,days:3}<tool_call|>
// reasoning in a thought channel, <|channel>thought\n…<channel|>.
// The call grammar constrains the tool names and the notation; the arguments' schema is checked
// after generation (the JSON Schema converter writes JSON, not this notation).
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { AssistantMessage, ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { parseMarkedCalls, shownLength } from './markers.js';
import { alternatives, repeated, type CallGrammar, type ParseState, type ToolSyntax } from './tool-syntax.js';

const OPEN = '<|tool_call>';
const CLOSE = '<tool_call|>';
const QUOTE = '<|"|>';
const CHANNEL_END = '<channel|>';

export class Gemma4Syntax implements ToolSyntax {
  readonly name = 'gemma4';
  readonly reasoning = { start: '<|channel>thought', end: CHANNEL_END };

  parse(text: string, state: ParseState): AssistantMessage {
    // A repeated opening mark, and empty thought blocks and stray closing marks after the answer, are noise.
    const cleaned = text.replace(/^(\s*<\|channel>)+(?=thought)/, '<|channel>');
    const read = parseMarkedCalls(cleaned, state, this.reasoning, [OPEN], readGemmaCalls);
    read.content = read.content.replaceAll(/<\|channel>thought\s*<channel\|>|<channel\|>/g, '');
    if (state.partial) {
      // A thought block opening after the answer is held back until it closes (and is dropped).
      const thought = read.content.indexOf('<|channel>');
      if (thought >= 0) read.content = read.content.slice(0, thought);
      read.content = read.content.slice(0, shownLength(read.content, [CHANNEL_END, '<|channel>thought']));
    }
    read.content = read.content.trim();
    return read;
  }

  callGrammar(tools: readonly ToolSignature[], _schemas: SchemaRules, parallel: boolean): CallGrammar {
    const names = alternatives(tools.map((tool) => gbnfLiteral(tool.name)));
    const one = `${gbnfLiteral(`${OPEN}call:`)} ${names} Object ${gbnfLiteral(CLOSE)}`;
    const rules = [
      `Calls ::= ${repeated(one, parallel)}`,
      `Object ::= "{" ( Key ":" Value ( "," Key ":" Value )* )? "}"`,
      `Key ::= [a-zA-Z_] [a-zA-Z0-9_]*`,
      `Value ::= Object | "[" ( Value ( "," Value )* )? "]" | ${gbnfLiteral(QUOTE)} Text ${gbnfLiteral(QUOTE)} | "-"? ( "0" | [1-9] [0-9]{0,15} ) ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )? | "true" | "false" | "null"`,
    ];
    return { rules: `${rules.join('\n')}\n${textWithoutRules('Text', QUOTE)}`, triggers: [OPEN] };
  }
}

function readGemmaCalls(text: string): ToolCall[] | null {
  const calls: ToolCall[] = [];
  let at = 0;
  for (;;) {
    while (/\s/.test(text[at] ?? '')) at++;
    if (at >= text.length) return calls;
    const head = /^<\|tool_call>call:([^{\s]+)/.exec(text.slice(at));
    if (!head) return null;
    const reader = new NotationReader(text, at + head[0].length);
    const args = reader.value();
    if (!args || typeof args !== 'object' || Array.isArray(args)) return null;
    calls.push({ name: head[1]!, arguments: args as ToolCall['arguments'] });
    at = reader.pos;
    if (text.startsWith(CLOSE, at)) at += CLOSE.length;
  }
}

// Gemma's notation: JSON with bare keys and <|"|>-delimited strings (JSON's own strings read too).
class NotationReader {
  constructor(
    readonly text: string,
    public pos: number,
  ) {}

  value(): unknown {
    this.#skip();
    const t = this.text;
    if (t.startsWith(QUOTE, this.pos)) {
      const end = t.indexOf(QUOTE, this.pos + QUOTE.length);
      if (end < 0) return undefined;
      const s = t.slice(this.pos + QUOTE.length, end);
      this.pos = end + QUOTE.length;
      return s;
    }
    if (t[this.pos] === '{' || t[this.pos] === '[') return this.#container(t[this.pos] === '{');
    const m = /^("(?:[^"\\]|\\.)*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(t.slice(this.pos, this.pos + 400));
    if (!m) return undefined;
    this.pos += m[0].length;
    try {
      return JSON.parse(m[0]);
    } catch {
      return undefined; // a JSON string with a bad escape
    }
  }

  #container(object: boolean): unknown {
    const out: unknown[] | Record<string, unknown> = object ? {} : [];
    this.pos++;
    for (;;) {
      this.#skip();
      if (this.text[this.pos] === (object ? '}' : ']')) {
        this.pos++;
        return out;
      }
      if (object) {
        const key = /^"?([^":,{}\s]+)"?\s*:/.exec(this.text.slice(this.pos, this.pos + 200));
        if (!key) return undefined;
        this.pos += key[0].length;
        const v = this.value();
        if (v === undefined) return undefined;
        (out as Record<string, unknown>)[key[1]!] = v;
      } else {
        const v = this.value();
        if (v === undefined) return undefined;
        (out as unknown[]).push(v);
      }
      this.#skip();
      if (this.text[this.pos] === ',') this.pos++;
    }
  }

  #skip(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }
}
