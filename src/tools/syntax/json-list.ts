// Calls as a JSON list after one opening marker:
//   Mistral Nemo  [TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "a1b2c3d4e"}]
//   Granite 3     <|tool_call|>[{"name": "get_weather", "arguments": {"city": "Paris"}}]
//   Firefunction  functools[{"name": "get_weather", "arguments": {"city": "Paris"}}]
//   Apriel 1.5    <tool_calls>[...]</tool_calls>      Nemotron Nano 2  <TOOLCALL>[...]</TOOLCALL>
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { callFromJson, jsonCallRule } from './json-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { readJson } from './read-json.js';
import { repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

export class JsonListSyntax extends MarkedCallSyntax {
  readonly #opener: string;
  readonly #closer: string;
  /** Calls carry 9-character ids (Mistral's). */
  readonly #ids: boolean;

  constructor(name: string, opener: string, options: { closer?: string; ids?: boolean; reasoning?: ReasoningMarkers | null } = {}) {
    super(name, options.reasoning ?? null, [opener]);
    this.#opener = opener;
    this.#closer = options.closer ?? '';
    this.#ids = options.ids ?? false;
  }

  protected readCalls(calls: string): ToolCall[] | null {
    const json = readJson(calls, this.#opener.length);
    const after = json ? calls.slice(json.end).trim() : '';
    if (!json || !Array.isArray(json.value) || (after && after !== this.#closer)) return null;
    const read = json.value.map((v) => callFromJson(v));
    return read.every((c) => c !== null) ? (read as ToolCall[]) : null;
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = `( ${jsonCallRule(tools, schemas, 'arguments', this.#ids ? 'Id' : undefined)} )`;
    const ids = this.#ids ? 'Id ::= [a-zA-Z0-9]{9}\n' : '';
    const close = gbnfLiteral(`]${this.#closer}`);
    return { rules: `Calls ::= ${gbnfLiteral(`${this.#opener}[`)} ${repeated(call, parallel, '", "')} ${close}\n${ids}`, triggers: [this.#opener] };
  }
}
