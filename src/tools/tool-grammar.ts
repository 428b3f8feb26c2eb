// The grammar a chat's calls are generated under: the family's call syntax with each tool's
// arguments as its JSON Schema allows, lazy (from the first call opener) under toolChoice 'auto',
// from the first token when a call is required.
import { Grammar } from '../grammar/grammar.js';
import { renameRule } from '../grammar/gbnf.js';
import { gbnfLiteral, SchemaRules } from '../grammar/json-schema.js';
import type { ToolSignature } from './tool-call.js';
import { textWithoutRules } from './syntax/free-text.js';
import type { ToolSyntax } from './syntax/tool-syntax.js';

export interface ToolGrammarOptions {
  /** A call from the first token (after any reasoning), not only where the model opens one. */
  forced: boolean;
  /** Several calls in a row. */
  parallel: boolean;
  /** The prompt ended inside the reasoning. */
  reasoningOpen: boolean;
}

/** The grammar for calls of `tools` in `syntax`. */
export function toolCallGrammar(syntax: ToolSyntax, tools: readonly ToolSignature[], options: ToolGrammarOptions): Grammar {
  const schemas = new SchemaRules({ compact: true });
  const calls = syntax.callGrammar(tools, schemas, options.parallel);
  let root = 'Calls';
  let triggers = calls.triggers;
  let extra = '';
  if (options.forced) {
    triggers = [];
    if (calls.forced) root = calls.forced;
    else if (syntax.reasoning && options.reasoningOpen) {
      // The prompt opened the reasoning: the model finishes it (up to its end marker), then calls. A
      // reasoning block the model would open itself is left out: the call comes first.
      root = `Think ${gbnfLiteral(syntax.reasoning.end)} "\\n"{0,2} Calls`;
      extra = textWithoutRules('Think', syntax.reasoning.end);
    }
  } else if (calls.auto) {
    // The whole reply is constrained: after the reasoning when the prompt opened it.
    triggers = [];
    root = calls.auto;
    if (syntax.reasoning && options.reasoningOpen) {
      root = `Think ${gbnfLiteral(syntax.reasoning.end)} "\\n"{0,2} ( ${calls.auto} )`;
      extra = textWithoutRules('Think', syntax.reasoning.end);
    }
  }
  return Grammar.gbnf(`root ::= ${root}\n${calls.rules}${extra}${schemas.rules}`, { triggers });
}

/**
 * `grammar` (a chat turn's own, active from the first token) after the reasoning the prompt opened:
 * any text up to the reasoning's end marker, then the grammar.
 */
export function afterReasoning(grammar: Grammar, end: string): Grammar {
  const answer = renameRule(grammar.gbnf, 'root', 'fathom-answer');
  return Grammar.gbnf(`root ::= Fathom-think ${gbnfLiteral(end)} "\\n"{0,2} fathom-answer\n${textWithoutRules('Fathom-think', end)}${answer}`);
}
