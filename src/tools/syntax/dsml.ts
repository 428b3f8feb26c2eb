// DeepSeek V3.2 and V4: DSML markup, a parameter's value raw when string="true", JSON otherwise,
//   <｜DSML｜function_calls>\n<｜DSML｜invoke name="get_weather">\n
//   <｜DSML｜parameter name="city" string="true">Paris</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜function_calls>
// (V4 names the block tool_calls), reasoning in <think>…</think>.
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { textWithoutRules } from './free-text.js';
import { MarkedCallSyntax } from './marked-call-syntax.js';
import { parameterItems } from './raw-parameters.js';
import { alternatives, repeated, type CallGrammar, type ReasoningMarkers } from './tool-syntax.js';

const T = '｜DSML｜';
const INVOKE = new RegExp(`^\\s*<${T}invoke name="([^"]+)">([\\s\\S]*?)</${T}invoke>`);
const PARAMETER = new RegExp(`<${T}parameter name="([^"]+)" string="(true|false)">([\\s\\S]*?)</${T}parameter>`, 'g');

export class DsmlSyntax extends MarkedCallSyntax {
  readonly #block: string;

  constructor(reasoning: ReasoningMarkers | null, block: 'function_calls' | 'tool_calls') {
    super('deepseek-dsml', reasoning, [`<${T}function_calls>`, `<${T}tool_calls>`]);
    this.#block = block;
  }

  protected readCalls(text: string): ToolCall[] | null {
    return readDsmlCalls(text);
  }

  callGrammar(tools: readonly ToolSignature[], schemas: SchemaRules, parallel: boolean): CallGrammar {
    const invokes = tools.map((tool) => {
      const parameters = parameterItems(
        tool,
        schemas,
        'Raw',
        (key, value, raw) => `${gbnfLiteral(`<${T}parameter name="${key}" string="${raw}">`)} ${value} ${gbnfLiteral(`</${T}parameter>\n`)}`,
      );
      return `${gbnfLiteral(`<${T}invoke name="${tool.name}">\n`)} ${parameters} ${gbnfLiteral(`</${T}invoke>\n`)}`;
    });
    const open = `<${T}${this.#block}>`;
    return {
      rules: `Calls ::= ${gbnfLiteral(`${open}\n`)} ${repeated(alternatives(invokes), parallel)} ${gbnfLiteral(`</${T}${this.#block}>`)}\n${textWithoutRules('Raw', `</${T}parameter>`)}`,
      triggers: [open],
    };
  }
}

function readDsmlCalls(text: string): ToolCall[] | null {
  const open = /^\s*<｜DSML｜(function_calls|tool_calls)>/.exec(text);
  if (!open) return null;
  let rest = text.slice(open[0].length);
  const calls: ToolCall[] = [];
  for (;;) {
    const invoke = INVOKE.exec(rest);
    if (!invoke) break;
    const args: ToolCall['arguments'] = {};
    for (const [, key, isString, value] of invoke[2]!.matchAll(PARAMETER)) {
      if (isString === 'true') args[key!] = value!;
      else {
        try {
          args[key!] = JSON.parse(value!) as ToolCall['arguments'][string];
        } catch {
          return null;
        }
      }
    }
    calls.push({ name: invoke[1]!, arguments: args });
    rest = rest.slice(invoke[0].length);
  }
  return rest.trim() === '' || rest.trim() === `</${T}${open[1]}>` ? calls : null;
}
