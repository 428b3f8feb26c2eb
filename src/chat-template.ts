// Chat templates: the Jinja template a GGUF carries (tokenizer.chat_template),
// rendered with @huggingface/jinja and the variables llama.cpp passes, or
// llama.cpp's ChatML fallback for files without one.
import { checkBoolean, checkPlainObject } from './options.js';
import { Template } from '@huggingface/jinja';

import { describe, FathomError, invalidArgument } from './errors.js';
import { renderWithinBudget, TemplateBudgetError } from './template-budget.js';
import type { Tokenizer } from './tokenizer/tokenizer.js';

export interface ChatMessage {
  /** "system", "user", "assistant", or another role the template knows (e.g. "tool"). */
  role: 'system' | 'user' | 'assistant' | 'tool' | (string & {});
  content: string;
}

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
  });
}

export interface RenderOptions {
  /** End with the opening of an assistant turn, so the model writes the reply. Default: true. */
  addGenerationPrompt?: boolean;
  /** Extra template variables (e.g. enable_thinking: false). */
  variables?: Record<string, unknown>;
}

/** What llama.cpp uses when a file has no template. */
export const CHATML_TEMPLATE =
  "{%- for message in messages -%}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}{%- endfor -%}" +
  "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";

export class ChatTemplate {
  readonly source: string;
  readonly #template: Template;
  readonly #tokenizer: Tokenizer;

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
    const { special } = this.#tokenizer.vocabulary;
    const text = (id: number | null) => (id === null ? '' : this.#tokenizer.detokenize([id], { special: true }));
    try {
      return renderWithinBudget(this.#template, {
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: options.addGenerationPrompt ?? true,
        bos_token: text(special.bos),
        eos_token: text(special.eos),
        enable_thinking: true, // llama.cpp's default
        ...options.variables,
      });
    } catch (error) {
      const reason = error instanceof TemplateBudgetError ? `it was stopped: ${error.message}` : `it failed: ${(error as Error).message}`;
      throw new FathomError('TEMPLATE_ERROR', `the chat template cannot render this conversation: ${reason}`, { cause: error });
    }
  }

  /**
   * The conversation as token ids: control-token text is parsed, and a BOS (or final EOS) the
   * template wrote is not doubled by the one the vocabulary adds (as llama.cpp does).
   */
  tokenize(messages: readonly ChatMessage[], options: RenderOptions = {}): number[] {
    let rendered = this.render(messages, options);
    const { addBos, addEos, special } = this.#tokenizer.vocabulary;
    const text = (id: number | null) => (id === null ? '' : this.#tokenizer.detokenize([id], { special: true }));
    const [bos, eos] = [text(special.bos), text(special.eos)];
    if (addBos && bos && rendered.startsWith(bos)) rendered = rendered.slice(bos.length);
    if (addEos && eos && rendered.endsWith(eos)) rendered = rendered.slice(0, -eos.length);
    return this.#tokenizer.tokenize(rendered, { special: true, addEos: false });
  }
}
