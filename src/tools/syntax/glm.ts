// GLM 4.5+ (and Poolside Laguna): the tool's name, then key/value pairs as plain text,
//   <tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>
// reasoning in <think>…</think> (the prompt may open it).
import { gbnfLiteral, type JsonSchema, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { parseMarkedCalls } from './markers.js';
import { parameterValue, rawStringRule } from './raw-parameters.js';
import { asObject } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ParseState, type ReasoningMarkers, type ToolSyntax } from './tool-syntax.js';

const OPEN = '<tool_call>';
const CALL = /^\s*<tool_call>\s*([^<\n]+?)\s*((?:<arg_key>[\s\S]*?<\/arg_value>\s*)*)(?:<\/tool_call>|$)/;
const PAIR = /<arg_key>([\s\S]*?)<\/arg_key>\s*<arg_value>([\s\S]*?)<\/arg_value>/g;

export class GlmSyntax implements ToolSyntax {
  readonly name = 'glm';
  readonly reasoning: ReasoningMarkers | null;

  constructor(reasoning: ReasoningMarkers | null) {
    this.reasoning = reasoning;
  }

  parse(text: string, state: ParseState) {
    return parseMarkedCalls(text, state, this.reasoning, [OPEN], (calls) => readGlmCalls(calls, state));
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const calls = tools.map((tool) => {
      const properties = asObject(tool.parameters.properties) ?? {};
      const required = new Set(Array.isArray(tool.parameters.required) ? tool.parameters.required : []);
      const pairs = Object.entries(properties).map(([key, schema]) => {
        const value = rawStringRule(schema, 'Value') ?? schemas.add(`${tool.name}-${key}`, schema as JsonSchema);
        const item = `${gbnfLiteral(`<arg_key>${key}</arg_key>\n<arg_value>`)} ${value} ${gbnfLiteral('</arg_value>\n')}`;
        return required.has(key) ? item : `( ${item} )?`;
      });
      return `${gbnfLiteral(`${tool.name}\n`)} ${pairs.join(' ')} ${gbnfLiteral('</tool_call>')}`;
    });
    const one = `${gbnfLiteral(OPEN)} ${alternatives(calls)}`;
    return { rules: `Calls ::= ${repeated(one, parallel, '"\\n"')}\n${textWithoutRules('Value', '</arg_value>')}`, triggers: [OPEN] };
  }
}

function readGlmCalls(text: string, state: ParseState): ToolCall[] | null {
  const calls: ToolCall[] = [];
  let rest = text;
  while (rest.trim()) {
    const call = CALL.exec(rest);
    if (!call) return null;
    const name = call[1]!.trim();
    const properties = asObject(state.tools.find((t) => t.name === name)?.parameters.properties) ?? {};
    const args: ToolCall['arguments'] = {};
    for (const [, key, value] of call[2]!.matchAll(PAIR)) args[key!.trim()] = parameterValue(value!, properties[key!.trim()]);
    calls.push({ name, arguments: args });
    rest = rest.slice(call[0].length);
  }
  return calls;
}
