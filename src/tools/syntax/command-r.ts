// Command R7B: reasoning between <|START_THINKING|> and <|END_THINKING|>, the answer between
// <|START_RESPONSE|> and <|END_RESPONSE|>, calls as a JSON list with ids,
//   <|START_ACTION|>[{"tool_call_id": "0", "tool_name": "get_weather", "parameters": {"city": "Paris"}}]<|END_ACTION|>
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { AssistantMessage, ToolCall, ToolSignature } from '../tool-call.js';
import { callFromJson } from './json-call.js';
import { parseMarkedCalls, shownLength } from './markers.js';
import { readJson } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ParseState, type ToolSyntax } from './tool-syntax.js';

const OPEN = '<|START_ACTION|>';
const CLOSE = '<|END_ACTION|>';
const RESPONSE = /<\|START_RESPONSE\|>([\s\S]*?)(?:<\|END_RESPONSE\|>|$)/;

export class CommandRSyntax implements ToolSyntax {
  readonly name = 'command-r';
  readonly reasoning = { start: '<|START_THINKING|>', end: '<|END_THINKING|>' };

  parse(text: string, state: ParseState): AssistantMessage {
    const read = parseMarkedCalls(text, state, this.reasoning, [OPEN], readActions);
    const response = RESPONSE.exec(read.content);
    if (response) {
      const body = response[1]!;
      const open = state.partial && !response[0].endsWith('<|END_RESPONSE|>');
      read.content = (open ? body.slice(0, shownLength(body, ['<|END_RESPONSE|>'])) : body).trim();
    } else if (state.partial && read.content.startsWith('<|START_RESPONSE|>'.slice(0, read.content.length))) read.content = '';
    return read;
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const call = alternatives(
      tools.map(
        (tool) =>
          `${gbnfLiteral(`{"tool_call_id": "`)} [0-9]{1,3} ${gbnfLiteral(`", "tool_name": ${JSON.stringify(tool.name)}, "parameters": `)} ${schemas.add(`${tool.name}-args`, tool.parameters)} "}"`,
      ),
    );
    return { rules: `Calls ::= ${gbnfLiteral(`${OPEN}[\n    `)} ${repeated(call, parallel, '",\\n    "')} ${gbnfLiteral(`\n]${CLOSE}`)}\n`, triggers: [OPEN] };
  }
}

function readActions(text: string): ToolCall[] | null {
  const json = readJson(text, OPEN.length);
  if (!json || !Array.isArray(json.value)) return null;
  const calls = json.value.map((v) => {
    const action = v as { tool_name?: unknown; parameters?: unknown; tool_call_id?: unknown };
    return callFromJson({ name: action.tool_name, arguments: action.parameters ?? {}, id: action.tool_call_id });
  });
  return calls.every((c) => c !== null) ? (calls as ToolCall[]) : null;
}
