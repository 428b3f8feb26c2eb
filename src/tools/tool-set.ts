// The tools a chat offers, checked once: each one's signature for the template and the grammar,
// and a validator its arguments pass before its handler sees them.
import { Ajv2020 } from 'ajv/dist/2020.js';
import * as ajvFormats from 'ajv-formats';

import { describe, FathomError, invalidArgument } from '../errors.js';
import type { JsonSchema } from '../grammar/json-schema.js';
import type { SchemaWithJsonExport } from '../grammar/grammar.js';
import type { Tool, ToolCall, ToolChoice, ToolSet, ToolSignature } from './tool-call.js';

type Validate = (value: unknown) => string | null;

export interface CheckedTool {
  signature: ToolSignature;
  /** Null when the arguments are valid, else what is wrong with them. */
  validate: Validate;
  handler?: Tool['handler'];
}

// ajv-formats is CommonJS: under ESM its function is the default export, or that export's own default.
type AddFormats = (ajv: Ajv2020) => Ajv2020;
const formats = ajvFormats as unknown as { default: AddFormats | { default: AddFormats } };
const addFormats: AddFormats = typeof formats.default === 'function' ? formats.default : formats.default.default;

const NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

/** INVALID_ARGUMENT unless `tools` is an object of tools by name; the checked tools (their validators compiled unless `compile: false`). */
export function checkTools(tools: unknown, what = 'tools', options: { compile?: boolean } = {}): Map<string, CheckedTool> {
  if (typeof tools !== 'object' || tools === null || Array.isArray(tools))
    throw invalidArgument(`${what} must be an object of tools by name, got ${describe(tools)}`);
  const checked = new Map<string, CheckedTool>();
  // One validator store per tool set, made when a call is first checked: ajv keeps what it compiles
  // (by $id too), which must not outlive the set.
  let ajv: Ajv2020 | undefined;
  const store = () => (ajv ??= addFormats(new Ajv2020({ allErrors: false, strict: false })));
  for (const [name, tool] of Object.entries(tools as ToolSet)) {
    if (!NAME.test(name)) throw invalidArgument(`${what}: the tool name ${JSON.stringify(name)} must be 1 to 64 of a-z, A-Z, 0-9, _ . -`);
    if (typeof tool !== 'object' || tool === null) throw invalidArgument(`${what}.${name} must be { description?, parameters?, handler? }`);
    for (const key of Object.keys(tool)) {
      if (!['description', 'parameters', 'handler'].includes(key)) throw invalidArgument(`${what}.${name}: unknown key '${key}'`);
    }
    if (tool.description !== undefined && typeof tool.description !== 'string') throw invalidArgument(`${what}.${name}.description must be a string`);
    if (tool.handler !== undefined && typeof tool.handler !== 'function') throw invalidArgument(`${what}.${name}.handler must be a function`);
    const parameters = plainSchema(tool.parameters, `${what}.${name}.parameters`);
    checked.set(name, {
      signature: { name, description: tool.description ?? '', parameters },
      validate: validator(store, parameters, `${what}.${name}.parameters`, options.compile ?? true),
      ...(tool.handler ? { handler: tool.handler as Tool['handler'] } : {}),
    });
  }
  return checked;
}

/** INVALID_ARGUMENT unless `choice` is a tool choice naming one of `tools`. */
export function checkToolChoice(choice: unknown, tools: ReadonlyMap<string, CheckedTool>): asserts choice is ToolChoice | undefined {
  if (choice === undefined || choice === 'auto' || choice === 'none' || choice === 'required') return;
  const name = (choice as { name?: unknown } | null)?.name;
  if (typeof choice === 'object' && choice !== null && typeof name === 'string') {
    if (!tools.has(name)) throw invalidArgument(`toolChoice names '${name}', which is not one of the tools (${[...tools.keys()].join(', ') || 'none'})`);
    return;
  }
  throw invalidArgument(`toolChoice must be 'auto', 'none', 'required' or { name }, got ${describe(choice)}`);
}

/** What is wrong with a call (an unknown tool, arguments its schema refuses), or null. */
export function callProblem(call: ToolCall, tools: ReadonlyMap<string, CheckedTool>): string | null {
  const tool = tools.get(call.name);
  if (!tool) return `there is no tool named '${call.name}'`;
  return tool.validate(call.arguments);
}

function plainSchema(parameters: unknown, what: string): { [key: string]: unknown } {
  if (parameters === undefined) return { type: 'object', properties: {} };
  let schema = parameters as JsonSchema | SchemaWithJsonExport<unknown>;
  if (typeof schema === 'object' && schema !== null && typeof (schema as SchemaWithJsonExport<unknown>).toJSONSchema === 'function') {
    try {
      schema = (schema as SchemaWithJsonExport<unknown>).toJSONSchema() as JsonSchema;
    } catch (error) {
      throw invalidArgument(`${what} has no JSON Schema form: ${(error as Error).message}`);
    }
    // Zod writes the draft it follows; the tool's parameters are shown to the model without it.
    schema = Object.fromEntries(Object.entries(schema as { [key: string]: unknown }).filter(([key]) => key !== '$schema'));
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw invalidArgument(`${what} must be a JSON Schema object, got ${describe(schema)}`);
  const type = (schema as { type?: unknown }).type;
  if (type !== undefined && type !== 'object') throw invalidArgument(`${what} must describe an object (type 'object'), got type ${JSON.stringify(type)}`);
  return schema as { [key: string]: unknown };
}

// Compiled when `eager` (a chat's tools: a bad schema is refused at once) or on first use (reading
// replies, parseAssistantMessage, never pays for it).
function validator(store: () => Ajv2020, schema: object, what: string, eager: boolean): Validate {
  let validate: ReturnType<Ajv2020['compile']> | undefined;
  const compile = () => {
    try {
      return (validate ??= store().compile(schema));
    } catch (error) {
      throw new FathomError('INVALID_ARGUMENT', `${what} is not a valid JSON Schema: ${(error as Error).message}`, { cause: error });
    }
  };
  if (eager) compile();
  return (value) => {
    const check = compile();
    return check(value) ? null : store().errorsText(check.errors, { dataVar: 'arguments' });
  };
}
