// Functionary v3.2: the reply is a run of messages, each after >>> (the prompt writes the first
// one's): a recipient line, then the body. `all` is the user (content); a tool's name is a call
// with JSON arguments.
//   all\nLet me check.>>>get_weather\n{"city": "Paris"}
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { AssistantMessage, ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { shownLength } from './markers.js';
import { asObject, readJson } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ParseState, type ToolSyntax } from './tool-syntax.js';

const NEXT = '>>>';

export class FunctionaryV32Syntax implements ToolSyntax {
  readonly name = 'functionary-v3.2';
  readonly reasoning = null;

  parse(text: string, state: ParseState): AssistantMessage {
    const out: AssistantMessage = { content: '', reasoning: '', toolCalls: [] };
    const messages = text.split(NEXT);
    for (const [i, message] of messages.entries()) {
      const newline = message.indexOf('\n');
      const last = i === messages.length - 1;
      if (newline < 0) {
        if (!last || !state.partial) out.content += message; // a recipient still being written waits
        continue;
      }
      const recipient = message.slice(0, newline).trim();
      let body = message.slice(newline + 1);
      if (recipient === 'all' || !state.calls) {
        if (last && state.partial) body = body.slice(0, shownLength(body, [NEXT]));
        out.content += body;
        continue;
      }
      if (last && state.partial) break;
      const json = readJson(body, 0);
      const args = json && asObject(json.value);
      // A body that is not a call's JSON is kept as content (a grammar-made call always reads).
      if (args) out.toolCalls.push({ name: recipient, arguments: args as ToolCall['arguments'] });
      else out.content += body;
    }
    out.content = out.content.trim();
    return out;
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = alternatives(tools.map((tool) => `${gbnfLiteral(`${tool.name}\n`)} ${schemas.add(`${tool.name}-args`, tool.parameters)}`));
    return {
      rules: `Calls ::= ${repeated(call, parallel, gbnfLiteral(NEXT))}\n${textWithoutRules('Answer', NEXT)}`,
      triggers: [],
      // Calls start the reply itself (after the prompt's >>>), so free text cannot trigger them: the grammar covers the whole reply.
      auto: `${gbnfLiteral('all\n')} Answer ( ${gbnfLiteral(NEXT)} Calls )? | Calls`,
    };
  }
}
