// Marker-delimited output, the shape most tool-call syntaxes share: reasoning between two markers
// (or from the start, when the prompt opened it), then content, then calls from the first opener on.
// While streaming, text that could still become a marker is held back.
import type { AssistantMessage, ToolCall } from '../tool-call.js';
import type { ParseState, ReasoningMarkers } from './tool-syntax.js';

/** How much of `text` is safe to show: all of it but a suffix that could begin one of `markers`. */
export function shownLength(text: string, markers: readonly string[]): number {
  let keep = text.length;
  for (const marker of markers) {
    for (let n = Math.min(marker.length - 1, text.length); n > 0; n--) {
      if (text.endsWith(marker.slice(0, n))) {
        keep = Math.min(keep, text.length - n);
        break;
      }
    }
  }
  return keep;
}

/**
 * The reasoning at the start of `text` and the rest after it. Reasoning that never closes ends
 * where a call opens (one of `openers`): a model may call a tool without closing its thoughts (a
 * call before a closing marker is part of the reasoning).
 */
export function splitReasoning(
  text: string,
  markers: ReasoningMarkers | null,
  state: ParseState,
  openers: readonly string[] = [],
): { reasoning: string; rest: string } {
  if (!markers) return { reasoning: '', rest: text };
  let body: string;
  const lead = text.length - text.trimStart().length;
  // A reply that starts by closing reasoning it never opened (the prompt's, or none) has none.
  if (!state.reasoningOpen && text.startsWith(markers.end, lead)) return { reasoning: '', rest: text.slice(lead + markers.end.length) };
  if (state.reasoningOpen) body = text;
  else {
    if (!text.startsWith(markers.start, lead)) {
      if (state.partial && text.trim() && (markers.start.startsWith(text.trim()) || markers.end.startsWith(text.trim()))) return { reasoning: '', rest: '' };
      return { reasoning: '', rest: text };
    }
    body = text.slice(lead + markers.start.length);
  }
  const close = body.indexOf(markers.end);
  const call = close < 0 ? firstIndex(body, openers) : -1;
  if (call >= 0) return { reasoning: body.slice(0, call).trim(), rest: body.slice(call) };
  if (close < 0) {
    const shown = state.partial ? body.slice(0, shownLength(body, [markers.end, ...openers])) : body;
    return { reasoning: shown.trim(), rest: '' };
  }
  return { reasoning: body.slice(0, close).trim(), rest: body.slice(close + markers.end.length) };
}

/**
 * Content up to the first of `openers`, then the calls `readCalls` finds from there (null: the
 * markup does not read as calls, and the whole text stays content).
 */
export function parseMarkedCalls(
  text: string,
  state: ParseState,
  reasoningMarkers: ReasoningMarkers | null,
  openers: readonly string[],
  readCalls: (callText: string) => ToolCall[] | null,
): AssistantMessage {
  const callOpeners = state.calls ? openers : [];
  const { reasoning, rest } = splitReasoning(text, reasoningMarkers, state, callOpeners);
  const at = firstIndex(rest, callOpeners);
  if (at < 0) {
    const content = state.partial ? rest.slice(0, shownLength(rest, callOpeners)) : rest;
    return { content: content.trim(), reasoning, toolCalls: [] };
  }
  const content = rest.slice(0, at).trim();
  if (state.partial) return { content, reasoning, toolCalls: [] };
  const calls = readCallsWithin(readCalls, rest.slice(at));
  return calls ? { content, reasoning, toolCalls: calls } : { content: rest.trim(), reasoning, toolCalls: [] };
}

/** The first place any of `words` occurs in `text`, or -1. */
export function firstIndex(text: string, words: readonly string[], from = 0): number {
  let best = -1;
  for (const word of words) {
    const at = text.indexOf(word, from);
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  return best;
}

/** Does the prompt end inside the reasoning (a thinking prefill such as `<think>\n`)? */
export function promptOpensReasoning(prompt: string, markers: ReasoningMarkers | null): boolean {
  if (!markers) return false;
  const start = prompt.lastIndexOf(markers.start);
  return start >= 0 && start > prompt.lastIndexOf(markers.end) && !prompt.slice(start + markers.start.length).trim();
}

// The readers of nested values (Python literals, Gemma's notation, MiniMax's elements) recurse with
// the nesting: text nested past the stack is not a call (it stays content) rather than a RangeError.
function readCallsWithin(readCalls: (callText: string) => ToolCall[] | null, text: string): ToolCall[] | null {
  try {
    return readCalls(text);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}
