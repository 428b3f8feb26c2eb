// MiniMax M3: every tag behind a namespace mark, a value as an element (objects and lists nested,
// a list's entries as <item>), reasoning in <mm:think>…</mm:think>:
//   ]<]minimax[>[<tool_call>\n]<]minimax[>[<invoke name="get_weather">]<]minimax[>[<city>Paris]<]minimax[>[</city>]<]minimax[>[</invoke>\n]<]minimax[>[</tool_call>
import { gbnfLiteral, type JsonSchema, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { parameterValue, rawStringRule } from './raw-parameters.js';
import { asObject } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

const NS = ']<]minimax[>[';
const OPEN = `${NS}<tool_call>`;
const CLOSE = `${NS}</tool_call>`;

export class MiniMaxSyntax extends MarkedCallSyntax {
  constructor(reasoning: ReasoningMarkers | null) {
    super('minimax', reasoning, [OPEN]);
  }

  protected readCalls(text: string, state: Parameters<MarkedCallSyntax['parse']>[1]): ToolCall[] | null {
    const reader = new ElementReader(text, OPEN.length);
    const calls: ToolCall[] = [];
    for (;;) {
      reader.skip();
      if (reader.at(CLOSE) || reader.done) return calls;
      const invoke = reader.openTag(/^<invoke name="([^"]+)">/);
      if (!invoke) return null;
      const tool = state.tools.find((t) => t.name === invoke);
      const args = reader.members(tool?.parameters ?? {}, 'invoke');
      if (!args || Array.isArray(args)) return null;
      calls.push({ name: invoke, arguments: args as ToolCall['arguments'] });
    }
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const invokes = tools.map(
      (tool) => `${gbnfLiteral(`${NS}<invoke name="${tool.name}">`)} ${elements(tool.parameters, tool.name, schemas)} ${gbnfLiteral(`${NS}</invoke>\n`)}`,
    );
    const rules = `Calls ::= ${gbnfLiteral(`${OPEN}\n`)} ${repeated(alternatives(invokes), parallel)} ${gbnfLiteral(CLOSE)}\n`;
    return { rules: rules + textWithoutRules('Text', NS), triggers: [OPEN] };
  }
}

// An object's members as elements in the schema's order (optional ones may be left out).
function elements(schema: { [key: string]: unknown }, hint: string, schemas: SchemaRules): string {
  const properties = asObject(schema.properties) ?? {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const items = Object.entries(properties).map(([key, sub]) => {
    const item = `${gbnfLiteral(`${NS}<${key}>`)} ${value(sub, `${hint}-${key}`, schemas)} ${gbnfLiteral(`${NS}</${key}>`)}`;
    return required.has(key) ? item : `( ${item} )?`;
  });
  return items.join(' ') || '""';
}

// A value as an element's content: objects and lists nested, strings raw, other scalars as JSON.
function value(schema: unknown, hint: string, schemas: SchemaRules): string {
  const s = asObject(schema) ?? {};
  if (s.type === 'object' && asObject(s.properties)) return elements(s, hint, schemas);
  if (s.type === 'array') {
    const item = `${gbnfLiteral(`${NS}<item>`)} ${value(s.items, `${hint}-item`, schemas)} ${gbnfLiteral(`${NS}</item>`)}`;
    return `( ${item} )*`;
  }
  const raw = rawStringRule(s, 'Text'); // a string (or a string enum) is written raw
  if (raw) return raw;
  if (['integer', 'number', 'boolean', 'null'].includes(String(s.type)) || Array.isArray(s.enum)) return schemas.add(hint, s as JsonSchema);
  return 'Text'; // anything else (a union, …) as text: checked against the schema after generation
}

// Namespaced elements: <name>text</name> or <name> children </name>.
class ElementReader {
  constructor(
    readonly text: string,
    public pos: number,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  at(word: string): boolean {
    return this.text.startsWith(word, this.pos);
  }

  skip(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  // NS<…> matching `tag`: its first group, and the position after it.
  openTag(tag: RegExp): string | null {
    this.skip();
    if (!this.at(NS)) return null;
    const m = tag.exec(this.text.slice(this.pos + NS.length));
    if (!m) return null;
    this.pos += NS.length + m[0].length;
    return m[1]!;
  }

  // The children up to NS</close>: an object by tag name, or a list when they are all <item>.
  members(schema: unknown, close: string): unknown {
    const s = asObject(schema) ?? {};
    const properties = asObject(s.properties) ?? {};
    const object: Record<string, unknown> = {};
    const list: unknown[] = [];
    for (;;) {
      this.skip();
      if (this.at(`${NS}</${close}>`)) {
        this.pos += `${NS}</${close}>`.length;
        return list.length && !Object.keys(object).length ? list : object;
      }
      const name = this.openTag(/^<([A-Za-z_][\w.-]*)>/);
      if (!name) return undefined;
      const sub = name === 'item' ? s.items : properties[name];
      const v = this.element(sub, name);
      if (v === undefined) return undefined;
      if (name === 'item' && (s.type === 'array' || !properties.item)) list.push(v);
      else object[name] = v;
    }
  }

  // An element's content: children, or text read with its schema (a schema that allows a string
  // takes the content as it is, markup included, as llama.cpp reads it).
  element(schema: unknown, name: string): unknown {
    if (this.at(NS) && !this.at(`${NS}</${name}>`) && !allowsString(schema)) return this.members(schema, name);
    const end = this.text.indexOf(`${NS}</${name}>`, this.pos);
    if (end < 0) return undefined;
    const raw = this.text.slice(this.pos, end);
    this.pos = end + `${NS}</${name}>`.length;
    return parameterValue(raw, schema);
  }
}

function allowsString(schema: unknown): boolean {
  const s = asObject(schema);
  if (!s) return false;
  if (s.type === 'string' || (Array.isArray(s.type) && s.type.includes('string'))) return true;
  return [s.anyOf, s.oneOf].some((list) => Array.isArray(list) && list.some(allowsString));
}
