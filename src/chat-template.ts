// Chat templates: the Jinja template a GGUF carries (tokenizer.chat_template),
// rendered with @huggingface/jinja and the variables llama.cpp passes, or
// llama.cpp's ChatML fallback for files without one.
import { checkBoolean, checkPlainObject } from './options.js';
import { Template } from '@huggingface/jinja';

import { describe, FathomError, invalidArgument } from './errors.js';
import { renderWithinBudget, TemplateBudgetError } from './template-budget.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';
import type { ToolCall, ToolSignature } from './tools/tool-call.js';

export interface ChatMessage {
  /** "system", "user", "assistant", or another role the template knows (e.g. "tool"). */
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string;
  /** An assistant message's reasoning (templates that keep it render it; others drop it). */
  reasoning?: string;
  /** The calls an assistant message made. */
  toolCalls?: ToolCall[];
  /** A tool message: the id of the call it answers. */
  toolCallId?: string;
  /** A tool message: the tool that answered. */
  name?: string;
}

const OPTIONAL_STRINGS = ['reasoning', 'toolCallId', 'name'] as const;

/** INVALID_ARGUMENT unless `messages` is an array of { role: string, content: string }; names the entry at fault. */
export function checkMessages(messages: unknown, what: string): asserts messages is readonly ChatMessage[] {
  if (!Array.isArray(messages)) throw invalidArgument(`${what} must be an array of { role: string, content: string }, got ${describe(messages)}`);
  messages.forEach((m: unknown, i) => {
    const entry = m as Partial<ChatMessage> | null;
    if (typeof entry !== 'object' || entry === null) throw invalidArgument(`${what}[${i}] must be { role: string, content: string }, got ${describe(m)}`);
    for (const key of ['role', 'content'] as const) {
      if (typeof entry[key] !== 'string')
        throw invalidArgument(`${what}[${i}].${key} must be a string, got ${describe(entry[key])} (keys: ${Object.keys(entry).join(', ')})`);
    }
    for (const key of OPTIONAL_STRINGS) {
      if (entry[key] !== undefined && typeof entry[key] !== 'string')
        throw invalidArgument(`${what}[${i}].${key} must be a string, got ${describe(entry[key])}`);
    }
    if (entry.toolCalls === undefined) return;
    if (!Array.isArray(entry.toolCalls)) throw invalidArgument(`${what}[${i}].toolCalls must be an array of { id?, name, arguments }`);
    entry.toolCalls.forEach((call: Partial<ToolCall> | null, j) => {
      const at = `${what}[${i}].toolCalls[${j}]`;
      if (typeof call !== 'object' || call === null || typeof call.name !== 'string')
        throw invalidArgument(`${at} must be { id?, name: string, arguments: object }`);
      if (call.id !== undefined && typeof call.id !== 'string') throw invalidArgument(`${at}.id must be a string`);
      if (typeof call.arguments !== 'object' || call.arguments === null || Array.isArray(call.arguments))
        throw invalidArgument(`${at}.arguments must be an object`);
    });
  });
}

export interface RenderOptions {
  /** End with the opening of an assistant turn, so the model writes the reply. Default: true. */
  addGenerationPrompt?: boolean;
  /** Extra template variables (e.g. enable_thinking: false). */
  variables?: Record<string, unknown>;
  /** @internal Tools to present, in the form Hugging Face templates read (`tools`). */
  tools?: readonly ToolSignature[];
}

/** What llama.cpp uses when a file has no template. */
export const CHATML_TEMPLATE =
  "{%- for message in messages -%}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";

export class ChatTemplate {
  readonly source: string;
  readonly #template: Template;
  readonly #tokenizer: Tokenizer;
  #callForm?: 'object' | 'text' | 'none';

  constructor(source: string, tokenizer: Tokenizer) {
    if (typeof source !== 'string' || !source) throw invalidArgument('a chat template must be a non-empty string');
    this.source = source;
    this.#tokenizer = tokenizer;
    try {
      this.#template = new Template(source);
    } catch (error) {
      throw new FathomError('TEMPLATE_ERROR', `the chat template cannot be parsed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The conversation as the model expects to read it. */
  render(messages: readonly ChatMessage[], options: RenderOptions = {}): string {
    checkMessages(messages, 'messages');
    checkBoolean(options.addGenerationPrompt, 'addGenerationPrompt');
    checkPlainObject(options.variables, 'variables');
    const calls = messages.some((m) => m.toolCalls?.length);
    const argumentsAsText = calls && this.callForm === 'text';
    try {
      return this.#render(messages, options, argumentsAsText);
    } catch (error) {
      const reason = error instanceof TemplateBudgetError ? `it was stopped: ${error.message}` : `it failed: ${(error as Error).message}`;
      throw new FathomError('TEMPLATE_ERROR', `the chat template cannot render this conversation: ${reason}`, { cause: error });
    }
  }

  #render(messages: readonly ChatMessage[], options: RenderOptions, argumentsAsText: boolean): string {
    const { special } = this.#tokenizer.vocabulary;
    const text = (id: number | null) => (id === null ? '' : this.#tokenizer.detokenize([id], { special: true }));
    const tools = options.tools?.map((t) => ({ type: 'function', function: t }));
    return renderWithinBudget(this.#template, {
      messages: messages.map((m) => templateMessage(m, argumentsAsText)),
      ...(tools?.length ? { tools } : {}),
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: text(special.bos),
      eos_token: text(special.eos),
      enable_thinking: true, // llama.cpp's default
      ...servingVariables(tools ?? []),
      ...options.variables,
    });
  }

  /**
   * How the template shows a call's arguments. Most print them with `| tojson`, from an object; some
   * concatenate them as text (DeepSeek R1's); some show no calls at all (Granite 3.3's: the model's
   * own call text is the message). As llama.cpp's capability probe does, a call is rendered with
   * object arguments, then with text ones, and the first whose key shows up is the form.
   */
  get callForm(): 'object' | 'text' | 'none' {
    if (this.#callForm === undefined) {
      const shows = (asText: boolean): boolean => {
        const probe: ChatMessage[] = [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: '', toolCalls: [{ id: 'call00001', name: 'probe_tool', arguments: { probe_argument: 'probe_value' } }] },
          { role: 'tool', content: 'ok', toolCallId: 'call00001', name: 'probe_tool' },
        ];
        try {
          return this.#render(probe, { addGenerationPrompt: true }, asText).includes('probe_argument');
        } catch {
          return false;
        }
      };
      this.#callForm = shows(false) ? 'object' : shows(true) ? 'text' : 'none';
    }
    return this.#callForm;
  }

  /**
   * The conversation as token ids: control-token text is parsed, and a BOS (or final EOS) the
   * template wrote is not doubled by the one the vocabulary adds (as llama.cpp does).
   */
  tokenize(messages: readonly ChatMessage[], options: RenderOptions = {}): number[] {
    return this.tokenizeRendered(this.render(messages, options));
  }

  /** A rendered conversation (render's text) as token ids, as tokenize gives them. */
  tokenizeRendered(conversation: string): number[] {
    let rendered = conversation;
    const { addBos, addEos, special } = this.#tokenizer.vocabulary;
    const text = (id: number | null) => (id === null ? '' : this.#tokenizer.detokenize([id], { special: true }));
    const [bos, eos] = [text(special.bos), text(special.eos)];
    if (addBos && bos && rendered.startsWith(bos)) rendered = rendered.slice(bos.length);
    if (addEos && eos && rendered.endsWith(eos)) rendered = rendered.slice(0, -eos.length);
    return this.#tokenizer.tokenize(rendered, { special: true, addEos: false });
  }
}

// A message in the shape Hugging Face templates read (OpenAI's): tool_calls with a function each, tool_call_id, reasoning_content.
function templateMessage(m: ChatMessage, argumentsAsText: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.reasoning) out.reasoning_content = m.reasoning;
  if (m.toolCalls?.length) {
    out.tool_calls = m.toolCalls.map((c) => ({
      ...(c.id !== undefined ? { id: c.id } : {}),
      type: 'function',
      function: { name: c.name, arguments: argumentsAsText ? JSON.stringify(c.arguments) : c.arguments },
    }));
  }
  if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
  if (m.name !== undefined) out.name = m.name;
  return out;
}

// What the serving stacks templates were written for pass besides the messages: today's date as
// llama.cpp gives it (datetime "Dec 02 2026", date_string "02 Dec 2026"), and the tools as a JSON
// spec (Firefunction's `functions`).
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function servingVariables(tools: readonly unknown[]): Record<string, string> {
  const now = new Date();
  const [day, month, year] = [String(now.getDate()).padStart(2, '0'), MONTHS[now.getMonth()]!, now.getFullYear()];
  return { datetime: `${month} ${day} ${year}`, date_string: `${day} ${month} ${year}`, functions: JSON.stringify(tools, null, 2) };
}
