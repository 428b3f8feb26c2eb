// Functionary v3.1 (Llama 3.1 based): each call as <function=get_weather>{"city": "Paris"}</function>.
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { asObject, readJson } from './read-json.js';
import { alternatives, repeated, type CallGrammar } from './tool-syntax.js';

const OPEN = '<function=';
const CLOSE = '</function>';

export class FunctionarySyntax extends MarkedCallSyntax {
  constructor() {
    super('functionary-v3.1', null, [OPEN]);
  }

  protected readCalls(text: string): ToolCall[] | null {
    return readFunctionCalls(text);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = alternatives(
      tools.map((tool) => `${gbnfLiteral(`${OPEN}${tool.name}>`)} ${schemas.add(`${tool.name}-args`, tool.parameters)} ${gbnfLiteral(CLOSE)}`),
    );
    return { rules: `Calls ::= ${repeated(call, parallel)}\n`, triggers: [OPEN] };
  }
}

function readFunctionCalls(text: string): ToolCall[] | null {
  const calls: ToolCall[] = [];
  let rest = text;
  while (rest.trim()) {
    const head = /^\s*<function=([^>\s]+)>/.exec(rest);
    const json = head && readJson(rest, head[0].length);
    const args = json && asObject(json.value);
    if (!args) return null;
    calls.push({ name: head[1]!, arguments: args as ToolCall['arguments'] });
    rest = rest.slice(json.end).replace(/^\s*<\/function>/, '');
  }
  return calls;
}
