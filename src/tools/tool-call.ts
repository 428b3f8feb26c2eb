// What tool calling is made of: the tools a chat offers, the calls a model makes, and an assistant
// message read back into content, reasoning and calls.
import type { JsonValue, SchemaWithJsonExport } from '../grammar/grammar.js';
import type { JsonSchema } from '../grammar/json-schema.js';

/** One call the model made. */
export interface ToolCall {
  /** The call's id: the model's own where its syntax has one, else one made up by the chat. */
  id?: string;
  name: string;
  arguments: { [key: string]: JsonValue };
}

/** An assistant message read back from the model's output. */
export interface AssistantMessage {
  /** The text meant for the user (reasoning and call markup taken out). */
  content: string;
  /** The model's reasoning (`<think>`, an analysis channel, `[THINK]`, ...): '' when there is none. */
  reasoning: string;
  toolCalls: ToolCall[];
}

/** What a handler is given besides the arguments. */
export interface ToolHandlerContext {
  /** Aborted with the turn. */
  signal: AbortSignal;
  /** The call being answered. */
  call: ToolCall;
}

/** A tool the model may call. */
export interface Tool<Args = { [key: string]: JsonValue }> {
  description?: string;
  /** The arguments' JSON Schema (an object schema) or a Zod schema. Default: no arguments. */
  parameters?: JsonSchema | SchemaWithJsonExport<Args>;
  /**
   * Runs the call (its arguments already validated) and gives the result the model reads: a string
   * as is, anything else as JSON. Without one, the turn ends with the calls for the caller to run.
   */
  handler?(args: Args, context: ToolHandlerContext): unknown;
}

/** Any tool, whatever its arguments' type. */
export interface AnyTool {
  description?: string;
  parameters?: unknown;
  handler?(args: never, context: ToolHandlerContext): unknown;
}

/** Tools by name. */
export type ToolSet = Record<string, AnyTool>;

/**
 * A tool, typed: with a Zod schema as its parameters, the handler's arguments have the schema's type.
 * (An identity function: it only gives TypeScript the type to infer.)
 */
export function tool<Args>(definition: Tool<Args> & { parameters: SchemaWithJsonExport<Args> }): Tool<Args>;
export function tool<Args = { [key: string]: JsonValue }>(definition: Tool<Args>): Tool<Args>;
export function tool<Args>(definition: Tool<Args>): Tool<Args> {
  return definition;
}

/** 'auto': the model chooses; 'none': no tools this turn; 'required': at least one call; { name }: a call of that tool. */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** A tool as the template and the grammar see it: name, description, and the arguments' JSON Schema. */
export interface ToolSignature {
  name: string;
  description: string;
  parameters: { [key: string]: unknown };
}
