// OpenAI chat messages -> the library's ChatMessage, and the split a Chat needs: the history, then
// what the request adds (a user message, or the results of the calls the last assistant message made).
// Checked here rather than by schema so that each error names the exact field (messages[2].content).
import type { ChatMessage, JsonValue, ToolCall, ToolResult } from '../index.js';
import { badParameter } from './api-error.js';

export const MESSAGES_SCHEMA = {
  type: 'array',
  minItems: 1,
  items: { type: 'object', required: ['role'], properties: { role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] } } },
} as const;

/** A request's conversation, ready for a Chat. */
export interface Conversation {
  history: ChatMessage[];
  next: { user: string } | { toolResults: ToolResult[] };
}

type Raw = Record<string, unknown>;

// Content is a string or a list of parts; only text parts are read (images come with vision support).
function contentText(value: unknown, at: string, nullable: boolean): string {
  if (typeof value === 'string') return value;
  if ((value === null || value === undefined) && nullable) return '';
  if (!Array.isArray(value)) throw badParameter(at, `${at} must be a string or an array of content parts`);
  return value
    .map((part: unknown, i) => {
      const p = part as Raw | null;
      if (typeof p !== 'object' || p === null || typeof p.type !== 'string')
        throw badParameter(`${at}[${i}]`, `${at}[${i}] must be a content part { type, ... }`);
      if (p.type === 'text' || p.type === 'refusal') {
        const text = p.type === 'text' ? p.text : p.refusal;
        if (typeof text !== 'string') throw badParameter(`${at}[${i}].${p.type}`, `${at}[${i}].${p.type} must be a string`);
        return text;
      }
      throw badParameter(`${at}[${i}].type`, `${at}[${i}]: content parts of type '${p.type}' are not supported by this server (only 'text')`);
    })
    .join('');
}

function toolCalls(value: unknown, at: string): ToolCall[] {
  if (!Array.isArray(value)) throw badParameter(at, `${at} must be an array`);
  return value.map((call: unknown, j) => {
    const c = call as Raw | null;
    const here = `${at}[${j}]`;
    const fn = c?.function as Raw | undefined;
    if (typeof c !== 'object' || c === null || typeof c.id !== 'string' || typeof fn !== 'object' || fn === null || typeof fn.name !== 'string')
      throw badParameter(here, `${here} must be { id: string, type: 'function', function: { name: string, arguments: string } }`);
    let args: unknown;
    try {
      args = JSON.parse(typeof fn.arguments === 'string' ? fn.arguments : '');
    } catch {
      throw badParameter(`${here}.function.arguments`, `${here}.function.arguments must be a JSON object, as text`);
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      throw badParameter(`${here}.function.arguments`, `${here}.function.arguments must be a JSON object, as text`);
    return { id: c.id, name: fn.name, arguments: args as { [key: string]: JsonValue } };
  });
}

/** The request's messages as ChatMessages (developer reads as system), each checked. */
export function chatMessages(messages: readonly Raw[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    const role = m.role === 'developer' ? 'system' : (m.role as string);
    if (role === 'assistant') {
      const calls = m.tool_calls === undefined || m.tool_calls === null ? [] : toolCalls(m.tool_calls, `${at}.tool_calls`);
      const reasoning = m.reasoning_content;
      if (reasoning !== undefined && reasoning !== null && typeof reasoning !== 'string')
        throw badParameter(`${at}.reasoning_content`, `${at}.reasoning_content must be a string`);
      out.push({
        role,
        content: contentText(m.content, `${at}.content`, true),
        ...(reasoning ? { reasoning } : {}),
        ...(calls.length ? { toolCalls: calls } : {}),
      });
      return;
    }
    const content = contentText(m.content, `${at}.content`, false);
    if (role !== 'tool') {
      out.push({ role, content });
      return;
    }
    if (typeof m.tool_call_id !== 'string') throw badParameter(`${at}.tool_call_id`, `${at}.tool_call_id must be the id of the call it answers`);
    // The template may show the tool's name: it is the name of the call answered.
    const call = out.flatMap((prior) => prior.toolCalls ?? []).find((c) => c.id === m.tool_call_id);
    if (!call) throw badParameter(`${at}.tool_call_id`, `${at}.tool_call_id '${m.tool_call_id}' answers no call of an earlier assistant message`);
    out.push({ role, content, toolCallId: m.tool_call_id, name: call.name });
  });
  return out;
}

/** The history and what this request adds: the last user message, or the tool results after the last calls. */
export function splitConversation(messages: ChatMessage[]): Conversation {
  const last = messages.at(-1)!;
  if (last.role === 'user') return { history: messages.slice(0, -1), next: { user: last.content } };
  if (last.role !== 'tool') throw badParameter('messages', `the last message must be from the user or a tool, not '${last.role}'`);
  let first = messages.length - 1;
  while (first > 0 && messages[first - 1]!.role === 'tool') first--;
  if (!messages[first - 1]?.toolCalls?.length)
    throw badParameter(`messages[${first}]`, 'tool messages must follow the assistant message whose tool_calls they answer');
  return {
    history: messages.slice(0, first),
    next: { toolResults: messages.slice(first).map((m) => ({ id: m.toolCallId!, result: m.content })) },
  };
}
