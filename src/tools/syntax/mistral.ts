// Mistral Small 3.2, Devstral and Ministral write each call after [TOOL_CALLS] as name[ARGS]json
// ([CALL_ID]id in between where the template has it), reasoning in [THINK]…[/THINK]:
//   [TOOL_CALLS]get_weather[CALL_ID]a1b2c3d4e[ARGS]{"city": "Paris"}
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { callFromJson } from './json-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { readJson } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

const OPEN = '[TOOL_CALLS]';
const ID_RULE = 'Id ::= [a-zA-Z0-9]{9}\n';

export class MistralArgsSyntax extends MarkedCallSyntax {
  readonly #callIds: boolean;

  constructor(reasoning: ReasoningMarkers | null, callIds: boolean) {
    super('mistral', reasoning, [OPEN]);
    this.#callIds = callIds;
  }

  protected readCalls(text: string): ToolCall[] | null {
    return readArgsCalls(text);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const id = this.#callIds ? ' "[CALL_ID]" Id' : '';
    const call = alternatives(tools.map((tool) => `${gbnfLiteral(tool.name)}${id} "[ARGS]" ${schemas.add(`${tool.name}-args`, tool.parameters)}`));
    return { rules: `Calls ::= ${repeated(`${gbnfLiteral(OPEN)} ${call}`, parallel)}\n${ID_RULE}`, triggers: [OPEN] };
  }
}

// [TOOL_CALLS]name([CALL_ID]id)?[ARGS]json, repeated.
function readArgsCalls(text: string): ToolCall[] | null {
  const calls: ToolCall[] = [];
  let rest = text;
  while (rest.trim()) {
    const head = /^\s*\[TOOL_CALLS\]([^[\s]+)(?:\[CALL_ID\]([^[\s]+))?\[ARGS\]/.exec(rest);
    if (!head) return null;
    const json = readJson(rest, head[0].length);
    const call = json && callFromJson({ name: head[1], arguments: json.value, id: head[2] });
    if (!call) return null;
    calls.push(call);
    rest = rest.slice(json.end);
  }
  return calls;
}
