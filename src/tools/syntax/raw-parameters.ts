// Parameters written as plain text between tags (Qwen3-Coder's <parameter=k>, GLM's <arg_value>):
// a string as it is, any other value as JSON. Their grammar and how a value is read back.
import { gbnfLiteral, type JsonSchema, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { asObject } from './read-json.js';
import { alternatives, type ParseState } from './tool-syntax.js';

const isTextChoice = (s: { [key: string]: unknown }): unknown[] | null => (Array.isArray(s.enum) ? s.enum : 'const' in s ? [s.const] : null);

/**
 * The grammar of a string parameter written raw, or null if the schema is not a string's: a choice of
 * its enum's texts; up to its length bounds of characters other than '<' (which could begin the
 * closing tag); otherwise `anyText`, any text up to the closing tag (a pattern or format is then
 * checked after generation, against the schema).
 */
export function rawStringRule(schema: unknown, anyText: string): string | null {
  const s = asObject(schema);
  if (!s) return null;
  const texts = isTextChoice(s);
  if (texts) return texts.every((t) => typeof t === 'string') ? alternatives(texts.map((t) => gbnfLiteral(t as string))) : null;
  if (s.type !== 'string') return null;
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : null;
  return max !== null || min > 0 ? `[^<]{${min},${max ?? ''}}` : anyText;
}

/** A value read back: a string when its schema says so; otherwise JSON if it reads as JSON, else the text. */
export function parameterValue(raw: string, schema: unknown): ToolCall['arguments'][string] {
  const s = asObject(schema);
  if (s?.type === 'string' || (s && isTextChoice(s)?.every((t) => typeof t === 'string'))) return raw;
  try {
    return JSON.parse(raw) as ToolCall['arguments'][string];
  } catch {
    return raw;
  }
}

/**
 * A tool's parameters in the schema's order, each written by `item` around its value's rule (raw
 * text for a string, else the JSON Schema converter's); optional ones may be left out.
 */
export function parameterItems(tool: ToolSignature, schemas: SchemaRules, anyText: string, item: (key: string, value: string, raw: boolean) => string): string {
  const properties = asObject(tool.parameters.properties) ?? {};
  const required = new Set(Array.isArray(tool.parameters.required) ? tool.parameters.required : []);
  return Object.entries(properties)
    .map(([key, schema]) => {
      const raw = rawStringRule(schema, anyText);
      const written = item(key, raw ?? schemas.add(`${tool.name}-${key}`, schema as JsonSchema), raw !== null);
      return required.has(key) ? written : `( ${written} )?`;
    })
    .join(' ');
}

/**
 * Calls one after another, each matched by `call` at the start of what is left (group 1 the tool's
 * name, group 2 its parameters, which `read` turns into arguments with the tool's properties), or
 * null if the text does not read so.
 */
export function readTaggedCalls(
  text: string,
  state: ParseState,
  call: RegExp,
  read: (body: string, properties: { [key: string]: unknown }) => ToolCall['arguments'] | null,
): ToolCall[] | null {
  const calls: ToolCall[] = [];
  let rest = text;
  while (rest.trim()) {
    const match = call.exec(rest);
    if (!match) return null;
    const name = match[1]!.trim();
    const args = read(match[2]!, asObject(state.tools.find((t) => t.name === name)?.parameters.properties) ?? {});
    if (!args) return null;
    calls.push({ name, arguments: args });
    rest = rest.slice(match[0].length);
  }
  return calls;
}
