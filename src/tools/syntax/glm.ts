// GLM 4.5+ (and Poolside Laguna): the tool's name, then key/value pairs as plain text,
//   <tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value>Paris</arg_value>\n</tool_call>
// reasoning in <think>…</think> (the prompt may open it).
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { parameterItems, parameterValue, readTaggedCalls } from './raw-parameters.js';
import { alternatives, repeated, type CallGrammar, type ParseState, type ReasoningMarkers } from './tool-syntax.js';

const OPEN = '<tool_call>';
const CALL = /^\s*<tool_call>\s*([^<\n]+?)\s*((?:<arg_key>[\s\S]*?<\/arg_value>\s*)*)(?:<\/tool_call>|$)/;
const PAIR = /<arg_key>([\s\S]*?)<\/arg_key>\s*<arg_value>([\s\S]*?)<\/arg_value>/g;

export class GlmSyntax extends MarkedCallSyntax {
  constructor(reasoning: ReasoningMarkers | null) {
    super('glm', reasoning, [OPEN]);
  }

  protected readCalls(text: string, state: ParseState): ToolCall[] | null {
    return readGlmCalls(text, state);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const calls = tools.map((tool) => {
      const pairs = parameterItems(
        tool,
        schemas,
        'Value',
        (key, value) => `${gbnfLiteral(`<arg_key>${key}</arg_key>\n<arg_value>`)} ${value} ${gbnfLiteral('</arg_value>\n')}`,
      );
      return `${gbnfLiteral(`${tool.name}\n`)} ${pairs} ${gbnfLiteral('</tool_call>')}`;
    });
    const one = `${gbnfLiteral(OPEN)} ${alternatives(calls)}`;
    return { rules: `Calls ::= ${repeated(one, parallel, '"\\n"')}\n${textWithoutRules('Value', '</arg_value>')}`, triggers: [OPEN] };
  }
}

function readGlmCalls(text: string, state: ParseState): ToolCall[] | null {
  return readTaggedCalls(text, state, CALL, (body, properties) => {
    const args: ToolCall['arguments'] = {};
    for (const [, key, value] of body.matchAll(PAIR)) args[key!.trim()] = parameterValue(value!, properties[key!.trim()]);
    return args;
  });
}
