// For templates with no call syntax of their own: the reply is one JSON object, either calls or a
// response (llama.cpp's generic format, which a system message explains to the model),
//   {"tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}]}   or   {"response": "…"}
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ChatMessage } from '../../chat-template.js';
import type { AssistantMessage, ToolCall, ToolSignature } from '../tool-call.js';
import { callFromJson, jsonCallRule } from './json-call.js';
import { asObject, readJson } from './read-json.js';
import { repeated, type CallGrammar, type ParseState, type ReasoningMarkers, type ToolSyntax } from './tool-syntax.js';
import { splitReasoning } from './markers.js';

/** What the model is told when its template has no syntax for calls. */
export const GENERIC_INSTRUCTIONS =
  'Respond in JSON: either {"tool_calls": [{"name": <tool name>, "arguments": <arguments object>}]} to call tools, ' +
  'or {"response": <your reply>} to answer the user.';

export class GenericSyntax implements ToolSyntax {
  readonly name = 'generic';
  readonly reasoning: ReasoningMarkers | null;

  constructor(reasoning: ReasoningMarkers | null) {
    this.reasoning = reasoning;
  }

  parse(text: string, state: ParseState): AssistantMessage {
    const { reasoning, rest } = splitReasoning(text, this.reasoning, state);
    if (!state.calls) return { content: rest.trim(), reasoning, toolCalls: [] };
    const json = rest.trimStart().startsWith('{') ? readJson(rest, 0) : null;
    const object = json && !rest.slice(json.end).trim() ? asObject(json.value) : null;
    if (state.partial && rest.trimStart().startsWith('{')) return { content: '', reasoning, toolCalls: [] };
    if (object && typeof object.response === 'string') return { content: object.response.trim(), reasoning, toolCalls: [] };
    const list = Array.isArray(object?.tool_calls) ? object.tool_calls : object?.tool_call ? [object.tool_call] : null;
    const calls = list?.map((c) => callFromJson(c));
    if (calls && calls.length && calls.every((c) => c !== null)) return { content: '', reasoning, toolCalls: calls as ToolCall[] };
    return { content: rest.trim(), reasoning, toolCalls: [] };
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = `( ${jsonCallRule(tools, schemas, 'arguments')} )`;
    return {
      rules: `Calls ::= ${gbnfLiteral('{"tool_calls": [')} ${repeated(call, parallel, '", "')} "]}"\n`,
      triggers: ['{"tool_calls"'],
      auto: `Calls | ${gbnfLiteral('{"response": ')} string "}"`,
    };
  }
}

/**
 * A conversation for a template that renders no calls of its own (it would drop them, or refuse
 * the tool role): calls become the assistant's JSON, as the generic syntax writes them, and each run
 * of tool results one user message.
 */
export function withGenericToolMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  let responses: unknown[] | null = null; // the run of tool results being gathered into out's last message
  for (const m of messages) {
    if (m.role === 'tool') {
      const response = { ...(m.toolCallId ? { id: m.toolCallId } : {}), ...(m.name ? { name: m.name } : {}), content: m.content };
      if (responses) {
        responses.push(response);
        out.pop();
      } else responses = [response];
      out.push({ role: 'user', content: JSON.stringify({ tool_responses: responses }) });
      continue;
    }
    responses = null;
    if (m.role === 'assistant' && m.toolCalls?.length) {
      const calls = m.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments, ...(c.id ? { id: c.id } : {}) }));
      out.push({ role: 'assistant', content: JSON.stringify({ tool_calls: calls }) });
    } else out.push(m);
  }
  return out;
}
