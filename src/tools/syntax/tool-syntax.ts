// One model family's way of writing tool calls and reasoning: how to read them back from the
// output, and the grammar a call is generated under.
import type { SchemaRules } from '../../grammar/json-schema.js';
import type { AssistantMessage, ToolSignature } from '../tool-call.js';

export interface ReasoningMarkers {
  start: string;
  end: string;
}

export interface ParseState {
  /** The prompt ended inside the reasoning (a thinking prefill such as `<think>\n`). */
  reasoningOpen: boolean;
  /** The text may stop mid-way (streaming): what could still become a marker is held back and calls are not read yet. */
  partial: boolean;
  /** Look for calls (false: tools are off, so call markup is plain content). */
  calls: boolean;
  /** The tools offered (syntaxes that write arguments as plain text read them with their schema). */
  tools: readonly ToolSignature[];
}

/**
 * GBNF for the calls: `rules` defines `Calls` (and any other rules it needs, named with a capital
 * letter: the JSON Schema converter's names are lower case, so they never clash) and starts with one
 * of `triggers`.
 */
export interface CallGrammar {
  rules: string;
  /** Where a call begins in free output: the lazy grammar's triggers. */
  triggers: string[];
  /** The whole output when a call is forced from the first token (default: optional reasoning, then `Calls`). */
  forced?: string;
  /** The whole output under toolChoice 'auto' for a syntax whose calls cannot be found in free text (then the grammar is not lazy). */
  auto?: string;
}

export interface ToolSyntax {
  /** The family's name, as `model.toolSyntax` reports it. */
  readonly name: string;
  readonly reasoning: ReasoningMarkers | null;
  parse(text: string, state: ParseState): AssistantMessage;
  /** The grammar for one call of `tools` (several in a row with `parallel`); argument rules come from `schemas`. */
  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar;
}

/** A GBNF alternation of `items` (each already an expression). */
export function alternatives(items: readonly string[]): string {
  return items.length === 1 ? items[0]! : `( ${items.join(' | ')} )`;
}

/** `item`, or one or more of it in a row when `parallel` (separated by `separator`). */
export function repeated(item: string, parallel: boolean, separator = '""'): string {
  return parallel ? `${item} ( ${separator} ${item} )*` : item;
}
