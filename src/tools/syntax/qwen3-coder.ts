// Qwen3-Coder / Qwen 3.5 / Nemotron 3 Nano / StepFun 3.5: XML-style calls, a parameter's value as
// plain text (strings as they are, other types as JSON):
//   <tool_call>\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n</function>\n</tool_call>
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { parameterItems, parameterValue, readTaggedCalls } from './raw-parameters.js';
import { alternatives, repeated, type CallGrammar, type ParseState, type ReasoningMarkers } from './tool-syntax.js';

// Qwen writes a value between newlines; Seed-OSS writes it as it is.
const PARAMETER = { wrapped: /^\s*<parameter=([^>\n]+)>\n?([\s\S]*?)\n?<\/parameter>/, bare: /^\s*<parameter=([^>\n]+)>([\s\S]*?)<\/parameter>/ };

export class Qwen3CoderSyntax extends MarkedCallSyntax {
  readonly #open: string;
  readonly #close: string;
  readonly #call: RegExp;
  readonly #newlines: boolean;

  /** `tag` wraps each call: tool_call (Qwen), seed:tool_call (ByteDance Seed-OSS, which reasons in <seed:think>). */
  constructor(reasoning: ReasoningMarkers | null, tag = 'tool_call') {
    // A model may leave out the wrapping tag and start at <function=.
    super(tag === 'tool_call' ? 'qwen3-coder' : 'seed-oss', reasoning, [`<${tag}>`, '<function=']);
    [this.#open, this.#close] = [`<${tag}>`, `</${tag}>`];
    this.#newlines = tag === 'tool_call';
    this.#call = new RegExp(`^\\s*(?:${this.#open}\\s*)?<function=([^>\\n]+)>([\\s\\S]*?)</function>\\s*(?:${this.#close}|$)`);
  }

  protected readCalls(text: string, state: ParseState): ToolCall[] | null {
    const parameter = this.#newlines ? PARAMETER.wrapped : PARAMETER.bare;
    return readTaggedCalls(text, state, this.#call, (body, properties) => {
      const args: ToolCall['arguments'] = {};
      let rest = body;
      for (let m = parameter.exec(rest); m; m = parameter.exec(rest)) {
        args[m[1]!.trim()] = parameterValue(m[2]!, properties[m[1]!.trim()]);
        rest = rest.slice(m[0].length);
      }
      return rest.trim() ? null : args;
    });
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const nl = this.#newlines ? '\n' : '';
    const calls = tools.map((tool) => {
      const parameters = parameterItems(
        tool,
        schemas,
        'Text',
        (key, value) => `${gbnfLiteral(`<parameter=${key}>${nl}`)} ${value} ${gbnfLiteral(`${nl}</parameter>\n`)}`,
      );
      return `${gbnfLiteral(`<function=${tool.name}>\n`)} ${parameters} ${gbnfLiteral(`</function>\n${this.#close}`)}`;
    });
    const rules = `Calls ::= ${repeated(`${gbnfLiteral(`${this.#open}\n`)} ${alternatives(calls)}`, parallel, '"\\n"')}\n`;
    // A raw value never holds </parameter> (the reader stops at the first).
    return { rules: rules + textWithoutRules('Text', '</parameter>'), triggers: [this.#open] };
  }
}
