// Calls written as a JSON object naming the tool, {"name": ..., "arguments": {...}}: the shape of
// Hermes, Llama 3, Mistral Nemo and the generic fallback, with a family's own key for the arguments.
import { gbnfLiteral, type SchemaRules } from '../../grammar/json-schema.js';
import type { ToolCall, ToolSignature } from '../tool-call.js';
import { asObject } from './read-json.js';
import { alternatives } from './tool-syntax.js';

const ARGUMENT_KEYS = ['arguments', 'parameters'];

/** The call a parsed JSON object spells, or null if it names no tool. Arguments given as JSON text are parsed. */
export function callFromJson(value: unknown, idKey = 'id'): ToolCall | null {
  const object = asObject(value);
  const name = object?.name ?? asObject(object?.function)?.name;
  if (typeof name !== 'string' || !name) return null;
  let args: unknown = ARGUMENT_KEYS.map((key) => object![key] ?? asObject(object!.function)?.[key]).find((v) => v !== undefined) ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return null;
    }
  }
  const argsObject = asObject(args);
  if (!argsObject) return null;
  const id = object![idKey];
  return { ...(typeof id === 'string' && id ? { id } : {}), name, arguments: argsObject as ToolCall['arguments'] };
}

/**
 * GBNF for one such object per tool, written the way the family's template shows calls:
 * `{"name": "get_weather", "arguments": {...}}` (and `, "id": ...` after them when `idRule` is given).
 */
export function jsonCallRule(tools: readonly ToolSignature[], schemas: SchemaRules, argsKey: string, idRule?: string): string {
  return alternatives(
    tools.map((tool) => {
      const args = schemas.add(`${tool.name}-args`, tool.parameters);
      const id = idRule ? ` ${gbnfLiteral(', "id": "')} ${idRule} "\\""` : '';
      return `${gbnfLiteral(`{"name": ${JSON.stringify(tool.name)}, ${JSON.stringify(argsKey)}: `)} ${args}${id} "}"`;
    }),
  );
}
