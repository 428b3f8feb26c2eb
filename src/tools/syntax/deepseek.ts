// DeepSeek R1 and V3.1: calls between <｜tool▁calls▁begin｜> and <｜tool▁calls▁end｜>, each
//   R1:   <｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"city": "Paris"}\n```<｜tool▁call▁end｜>
//   V3.1: <｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"city": "Paris"}<｜tool▁call▁end｜>
// and reasoning in <think>…</think> (the R1 templates open it in the prompt).
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { readJson } from './read-json.js';
import { alternatives, repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

const CALLS_BEGIN = '<｜tool▁calls▁begin｜>';
const CALLS_END = '<｜tool▁calls▁end｜>';
const CALL_BEGIN = '<｜tool▁call▁begin｜>';
const CALL_END = '<｜tool▁call▁end｜>';
const SEP = '<｜tool▁sep｜>';

export class DeepSeekSyntax extends MarkedCallSyntax {
  constructor(reasoning: ReasoningMarkers | null, r1: boolean) {
    super(r1 ? 'deepseek-r1' : 'deepseek-v3.1', reasoning, [CALLS_BEGIN, CALL_BEGIN]);
  }

  protected readCalls(text: string): ToolCall[] | null {
    return readDeepSeekCalls(text);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const r1 = this.name === 'deepseek-r1';
    const call = alternatives(
      tools.map((tool) => {
        const args = schemas.add(`${tool.name}-args`, tool.parameters);
        return r1
          ? `${gbnfLiteral(`function${SEP}${tool.name}\n\`\`\`json\n`)} ${args} ${gbnfLiteral('\n```')}`
          : `${gbnfLiteral(`${tool.name}${SEP}`)} ${args}`;
      }),
    );
    const one = `${gbnfLiteral(CALL_BEGIN)} ${call} ${gbnfLiteral(CALL_END)}`;
    return { rules: `Calls ::= ${gbnfLiteral(CALLS_BEGIN)} ${repeated(one, parallel)} ${gbnfLiteral(CALLS_END)}\n`, triggers: [CALLS_BEGIN] };
  }
}

const R1_HEAD = /^\s*(?:function|[a-z_]+)?<｜tool▁sep｜>([^\n]+)\n```(?:json)?\n?/;
const V31_HEAD = /^\s*([^<\n]+?)<｜tool▁sep｜>/;

function readDeepSeekCalls(text: string): ToolCall[] | null {
  let rest = text.startsWith(CALLS_BEGIN) ? text.slice(CALLS_BEGIN.length) : text;
  const calls: ToolCall[] = [];
  for (;;) {
    rest = rest.trimStart();
    if (!rest || rest.startsWith(CALLS_END)) return calls;
    if (!rest.startsWith(CALL_BEGIN)) return null;
    rest = rest.slice(CALL_BEGIN.length);
    const head = R1_HEAD.exec(rest) ?? V31_HEAD.exec(rest);
    if (!head) return null;
    const json = readJson(rest, head[0].length);
    if (!json || typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) return null;
    calls.push({ name: head[1]!.trim(), arguments: json.value as ToolCall['arguments'] });
    rest = rest.slice(json.end).replace(/^\s*(```)?\s*/, '');
    if (rest.startsWith(CALL_END)) rest = rest.slice(CALL_END.length);
  }
}
