// Kimi K2: calls in a section, each with an id functions.NAME:INDEX,
//   <|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"city": "Paris"}<|tool_call_end|><|tool_calls_section_end|>
// and (K2 Thinking) reasoning in <think>…</think>.
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { asObject, readJson } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

const SECTION_BEGIN = '<|tool_calls_section_begin|>';
const SECTION_END = '<|tool_calls_section_end|>';
const CALL_BEGIN = '<|tool_call_begin|>';
const ARGUMENTS = '<|tool_call_argument_begin|>';
const CALL_END = '<|tool_call_end|>';

export class KimiSyntax extends MarkedCallSyntax {
  constructor(reasoning: ReasoningMarkers | null) {
    super('kimi-k2', reasoning, [SECTION_BEGIN, CALL_BEGIN]);
  }

  protected readCalls(text: string): ToolCall[] | null {
    return readKimiCalls(text);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = alternatives(
      tools.map(
        (tool) => `${gbnfLiteral(`functions.${tool.name}:`)} [0-9]{1,3} ${gbnfLiteral(ARGUMENTS)} ${schemas.add(`${tool.name}-args`, tool.parameters)}`,
      ),
    );
    const one = `${gbnfLiteral(CALL_BEGIN)} ${call} ${gbnfLiteral(CALL_END)}`;
    return { rules: `Calls ::= ${gbnfLiteral(SECTION_BEGIN)} ${repeated(one, parallel)} ${gbnfLiteral(SECTION_END)}\n`, triggers: [SECTION_BEGIN] };
  }
}

function readKimiCalls(text: string): ToolCall[] | null {
  let rest = text.startsWith(SECTION_BEGIN) ? text.slice(SECTION_BEGIN.length) : text;
  const calls: ToolCall[] = [];
  for (;;) {
    rest = rest.trimStart();
    if (!rest || rest.startsWith(SECTION_END)) return calls;
    const head = /^<\|tool_call_begin\|>\s*((?:functions\.)?([^:<\s]+)(?::\d+)?)\s*<\|tool_call_argument_begin\|>/.exec(rest);
    const json = head && readJson(rest, head[0].length);
    const args = json && asObject(json.value);
    if (!args) return null;
    calls.push({ id: head[1]!, name: head[2]!, arguments: args as ToolCall['arguments'] });
    rest = rest.slice(json.end).trimStart();
    if (rest.startsWith(CALL_END)) rest = rest.slice(CALL_END.length);
  }
}
