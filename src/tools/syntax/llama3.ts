// Llama 3.1 / 3.2 / 3.3: a call is a JSON object with "parameters" (the whole reply, as the template asks),
//   {"name": "get_weather", "parameters": {"city": "Paris"}}
// (several separated by ";"), or a built-in tool after <|python_tag|>.
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { callFromJson, jsonCallRule } from './json-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { readJson } from './read-json.js';
import { repeated, type CallGrammar } from './tool-syntax.js';

const PYTHON_TAG = '<|python_tag|>';
const TRIGGER = '{"name"';

export class Llama3Syntax extends MarkedCallSyntax {
  constructor() {
    // A call may follow some text (the lazy grammar starts at {"name" wherever it comes).
    super('llama3', null, [PYTHON_TAG, TRIGGER, '{"type": "function"']);
  }

  protected readCalls(text: string): ToolCall[] | null {
    return readLlamaCalls(text);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    return { rules: `Calls ::= ${repeated(`( ${jsonCallRule(tools, schemas, 'parameters')} )`, parallel, gbnfLiteral('; '))}\n`, triggers: [TRIGGER] };
  }
}

function readLlamaCalls(text: string): ToolCall[] | null {
  let rest = text.startsWith(PYTHON_TAG) ? text.slice(PYTHON_TAG.length) : text;
  const calls: ToolCall[] = [];
  while (rest.trim()) {
    const json = readJson(rest, 0);
    const call = json && callFromJson(json.value);
    if (!call) return null;
    calls.push(call);
    rest = rest.slice(json.end).replace(/^\s*;?/, '');
  }
  return calls.length ? calls : null;
}
