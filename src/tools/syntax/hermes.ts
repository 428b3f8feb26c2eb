// Hermes 2 Pro / Qwen 2.5 / Qwen 3 / QwQ / Granite 4: each call is JSON inside <tool_call> tags,
//   <tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { callFromJson, jsonCallRule } from './json-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { readJson } from './read-json.js';
import { repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';

export class HermesSyntax extends MarkedCallSyntax {
  constructor(reasoning: ReasoningMarkers | null) {
    super('hermes', reasoning, [OPEN]);
  }

  protected readCalls(text: string): ToolCall[] | null {
    return readHermesCalls(text);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = `${gbnfLiteral(`${OPEN}\n`)} ${jsonCallRule(tools, schemas, 'arguments')} ${gbnfLiteral(`\n${CLOSE}`)}`;
    return { rules: `Calls ::= ${repeated(`( ${call} )`, parallel, '"\\n"')}\n`, triggers: [OPEN] };
  }
}

// <tool_call> JSON </tool_call>, repeated; the last closing tag may be missing (the model stopped at it).
function readHermesCalls(text: string): ToolCall[] | null {
  const calls: ToolCall[] = [];
  let at = 0;
  for (;;) {
    while (/\s/.test(text[at] ?? '')) at++;
    if (at >= text.length) return calls;
    if (!text.startsWith(OPEN, at)) return null;
    const json = readJson(text, at + OPEN.length);
    const call = json && callFromJson(json.value);
    if (!call) return null;
    calls.push(call);
    at = json.end;
    while (/\s/.test(text[at] ?? '')) at++;
    if (text.startsWith(CLOSE, at)) at += CLOSE.length;
    else if (at < text.length) return null;
  }
}
