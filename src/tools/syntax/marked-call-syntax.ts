// The shape most families share: calls begin at one of a few openers, after any reasoning and
// content (see parseMarkedCalls). A family gives its openers, how to read its call markup, and its
// call grammar.
import type { SchemaRules } from '../../grammar/json-schema.js';
import type { AssistantMessage, ToolCall, ToolSignature } from '../tool-call.js';
import { parseMarkedCalls } from './markers.js';
import type { CallGrammar, ParseState, ReasoningMarkers, ToolSyntax } from './tool-syntax.js';

export abstract class MarkedCallSyntax implements ToolSyntax {
  readonly name: string;
  readonly reasoning: ReasoningMarkers | null;
  readonly #openers: readonly string[];

  constructor(name: string, reasoning: ReasoningMarkers | null, openers: readonly string[]) {
    this.name = name;
    this.reasoning = reasoning;
    this.#openers = openers;
  }

  parse(text: string, state: ParseState): AssistantMessage {
    return parseMarkedCalls(text, state, this.reasoning, this.#openers, (calls) => this.readCalls(calls, state));
  }

  /** The calls in `text` (from the first opener on), or null if it does not read as calls. */
  protected abstract readCalls(text: string, state: ParseState): ToolCall[] | null;

  abstract callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar;
}
