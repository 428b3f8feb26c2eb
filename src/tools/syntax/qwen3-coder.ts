// Qwen3-Coder / Qwen 3.5 / Nemotron 3 Nano / StepFun 3.5: XML-style calls, a parameter's value as
// plain text (strings as they are, other types as JSON):
//   <tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>
import { gbnfLiteral, type JsonSchema, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { parseMarkedCalls } from './markers.js';
import { asObject } from './read-json.js';
import { parameterValue, rawStringRule } from './raw-parameters.js';
import { repeated, alternatives, type CallGrammar, type ParseState, type ReasoningMarkers, type ToolSyntax } from './tool-syntax.js';

// Qwen writes a value between newlines; Seed-OSS writes it as it is.
const PARAMETER = { wrapped: /^\s*<parameter=([^>\n]+)>\n?([\s\S]*?)\n?<\/parameter>/, bare: /^\s*<parameter=([^>\n]+)>([\s\S]*?)<\/parameter>/ };

export class Qwen3CoderSyntax implements ToolSyntax {
  readonly name: string;
  readonly reasoning: ReasoningMarkers | null;
  readonly #open: string;
  readonly #close: string;
  readonly #call: RegExp;
  readonly #newlines: boolean;

  /** `tag` wraps each call: tool_call (Qwen), seed:tool_call (ByteDance Seed-OSS, which reasons in <seed:think>). */
  constructor(reasoning: ReasoningMarkers | null, tag = 'tool_call') {
    this.reasoning = reasoning;
    this.name = tag === 'tool_call' ? 'qwen3-coder' : 'seed-oss';
    [this.#open, this.#close] = [`<${tag}>`, `</${tag}>`];
    this.#newlines = tag === 'tool_call';
    this.#call = new RegExp(`^\\s*(?:${this.#open}\\s*)?<function=([^>\\n]+)>([\\s\\S]*?)</function>\\s*(?:${this.#close}|$)`);
  }

  parse(text: string, state: ParseState) {
    // A model may leave out the wrapping tag and start at <function=.
    return parseMarkedCalls(text, state, this.reasoning, [this.#open, '<function='], (calls) =>
      readXmlCalls(calls, state, this.#call, this.#newlines ? PARAMETER.wrapped : PARAMETER.bare),
    );
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const nl = this.#newlines ? '\n' : '';
    const rules = [textWithoutRules('Text', `${nl}</parameter>`)];
    const calls = tools.map((tool) => {
      const properties = asObject(tool.parameters.properties) ?? {};
      const required = new Set(Array.isArray(tool.parameters.required) ? tool.parameters.required : []);
      const parameters = Object.entries(properties).map(([key, schema]) => {
        const value = rawStringRule(schema, 'Text') ?? schemas.add(`${tool.name}-${key}`, schema as JsonSchema);
        const item = `${gbnfLiteral(`<parameter=${key}>${nl}`)} ${value} ${gbnfLiteral(`${nl}</parameter>\n`)}`;
        return required.has(key) ? item : `( ${item} )?`;
      });
      return `${gbnfLiteral(`<function=${tool.name}>\n`)} ${parameters.join(' ')} ${gbnfLiteral(`</function>\n${this.#close}`)}`;
    });
    rules.push(`Calls ::= ${repeated(`${gbnfLiteral(`${this.#open}\n`)} ${alternatives(calls)}`, parallel, '"\\n"')}\n`);
    return { rules: rules.join(''), triggers: [this.#open] };
  }
}

function readXmlCalls(text: string, state: ParseState, CALL: RegExp, PARAMETER: RegExp): ToolCall[] | null {
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
