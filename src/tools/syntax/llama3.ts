// Llama 3.1 / 3.2 / 3.3: a call is the whole reply, a JSON object with "parameters",
//   {"name": "get_weather", "parameters": {"city": "Paris"}}
// (several separated by ";"), or a built-in tool after <|python_tag|>.
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { AssistantMessage, ToolCall, ToolSignature } from '../tool-call.js';
import { callFromJson, jsonCallRule } from './json-call.js';
import { shownLength } from './markers.js';
import { readJson } from './read-json.js';
import { repeated, type CallGrammar, type ParseState, type ToolSyntax } from './tool-syntax.js';

const PYTHON_TAG = '<|python_tag|>';
const TRIGGER = '{"name"';

export class Llama3Syntax implements ToolSyntax {
  readonly name = 'llama3';
  readonly reasoning = null;

  parse(text: string, state: ParseState): AssistantMessage {
    const body = text.trimStart();
    if (!state.calls) return { content: text.trim(), reasoning: '', toolCalls: [] };
    const looksLikeCall = body.startsWith('{') || body.startsWith(PYTHON_TAG);
    if (state.partial) {
      // A reply that opens like a call is held back until it ends.
      if (looksLikeCall || PYTHON_TAG.startsWith(body) || body === '') return { content: '', reasoning: '', toolCalls: [] };
      return { content: text.slice(0, shownLength(text, [PYTHON_TAG])).trim(), reasoning: '', toolCalls: [] };
    }
    const calls = looksLikeCall ? readLlamaCalls(body) : null;
    return calls ? { content: '', reasoning: '', toolCalls: calls } : { content: text.trim(), reasoning: '', toolCalls: [] };
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
