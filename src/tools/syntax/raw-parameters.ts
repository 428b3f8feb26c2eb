// Parameters written as plain text between tags (Qwen3-Coder's <parameter=k>, GLM's <arg_value>):
// a string as it is, any other value as JSON. Their grammar and how a value is read back.
import { gbnfLiteral } from '../../grammar/json-schema.js';
import type { ToolCall } from '../tool-call.js';
import { asObject } from './read-json.js';
import { alternatives } from './tool-syntax.js';

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
