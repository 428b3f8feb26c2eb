// Qwen3-Coder / Qwen 3.5 / Nemotron 3 Nano / StepFun 3.5: XML-style calls, a parameter's value as
// plain text (strings as they are, other types as JSON):
//   <tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>
import { gbnfLiteral, type JsonSchema, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { parseMarkedCalls } from './markers.js';
import { asObject } from './read-json.js';
import { repeated, alternatives, type CallGrammar, type ParseState, type ReasoningMarkers, type ToolSyntax } from './tool-syntax.js';

const OPEN = '<tool_call>';
// A model may leave out the <tool_call> tag and start at <function=.
const OPENERS = [OPEN, '<function='];
const CALL = /^\s*(?:<tool_call>\s*)?<function=([^>\n]+)>([\s\S]*?)<\/function>\s*(?:<\/tool_call>|$)/;
const PARAMETER = /^\s*<parameter=([^>\n]+)>\n?([\s\S]*?)\n?<\/parameter>/;

export class Qwen3CoderSyntax implements ToolSyntax {
  readonly name = 'qwen3-coder';
  readonly reasoning: ReasoningMarkers | null;

  constructor(reasoning: ReasoningMarkers | null) {
    this.reasoning = reasoning;
  }

  parse(text: string, state: ParseState) {
    return parseMarkedCalls(text, state, this.reasoning, OPENERS, (calls) => readXmlCalls(calls, state));
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const rules = [textWithoutRules('Text', '\n</parameter>')];
    const calls = tools.map((tool) => {
      const properties = asObject(tool.parameters.properties) ?? {};
      const required = new Set(Array.isArray(tool.parameters.required) ? tool.parameters.required : []);
      const parameters = Object.entries(properties).map(([key, schema]) => {
        const value = rawStringRule(schema) ?? schemas.add(`${tool.name}-${key}`, schema as JsonSchema);
        const item = `${gbnfLiteral(`<parameter=${key}>\n`)} ${value} ${gbnfLiteral('\n</parameter>\n')}`;
        return required.has(key) ? item : `( ${item} )?`;
      });
      return `${gbnfLiteral(`<function=${tool.name}>\n`)} ${parameters.join(' ')} ${gbnfLiteral('</function>\n</tool_call>')}`;
    });
    rules.push(`Calls ::= ${repeated(`${gbnfLiteral(`${OPEN}\n`)} ${alternatives(calls)}`, parallel, '"\\n"')}\n`);
    return { rules: rules.join(''), triggers: [OPEN] };
  }
}

// A string parameter is written raw, so its grammar is not JSON's: a choice of its enum's texts; up to
// its length bounds of characters other than '<' (which could begin the closing tag); otherwise any
// text up to the closing tag (a pattern or format is then checked after generation, with the schema).
function rawStringRule(schema: unknown): string | null {
  const s = asObject(schema);
  if (!s) return null;
  const texts = Array.isArray(s.enum) ? s.enum : 'const' in s ? [s.const] : null;
  if (texts) return texts.every((t) => typeof t === 'string') ? alternatives(texts.map((t) => gbnfLiteral(t as string))) : null;
  if (s.type !== 'string') return null;
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : null;
  return max !== null || min > 0 ? `[^<]{${min},${max ?? ''}}` : 'Text';
}

function readXmlCalls(text: string, state: ParseState): ToolCall[] | null {
  const calls: ToolCall[] = [];
  let rest = text;
  while (rest.trim()) {
    const call = CALL.exec(rest);
    if (!call) return null;
    const name = call[1]!.trim();
    const properties = asObject(state.tools.find((t) => t.name === name)?.parameters.properties) ?? {};
    const args: ToolCall['arguments'] = {};
    let body = call[2]!;
    for (let m = PARAMETER.exec(body); m; m = PARAMETER.exec(body)) {
      const key = m[1]!.trim();
      args[key] = parameterValue(m[2]!, properties[key]);
      body = body.slice(m[0].length);
    }
    if (body.trim()) return null;
    calls.push({ name, arguments: args });
    rest = rest.slice(call[0].length);
  }
  return calls;
}

// A value is a string when its schema says so; otherwise JSON if it reads as JSON, else the text.
function parameterValue(raw: string, schema: unknown): ToolCall['arguments'][string] {
  const s = asObject(schema);
  const texts = Array.isArray(s?.enum) ? s.enum : s && 'const' in s ? [s.const] : null;
  if (s?.type === 'string' || texts?.every((t) => typeof t === 'string')) return raw;
  try {
    return JSON.parse(raw) as ToolCall['arguments'][string];
  } catch {
    return raw;
  }
}
