// A conversation: the history of messages, rendered through the model's chat
// template for each turn. Every turn's prompt starts with the previous turns,
// so the context's cached prefix is reused and only the new text is evaluated.
import { checkMessages, type ChatMessage, type ChatTemplate, type RenderOptions } from './chat-template.js';
import { FathomError, invalidArgument } from './errors.js';
import { checkPlainObject } from './options.js';
import type { Evaluator } from './evaluator.js';
import {
  collectCompletion,
  generate,
  withJson,
  type CompletionResult,
  type FinishReason,
  type GenerationChunk,
  type JsonCompletionResult,
} from './generation.js';
import { JsonGrammar } from './grammar/grammar.js';
import { checkGenerateOptions, type GenerateOptions } from './sampling-options.js';

/** A conversation's settings (model.createChat's options, which also choose the context). */
export interface ChatSettings {
  /** The system message opening the conversation. */
  system?: string;
  /** Messages to start from (after the system message). */
  history?: readonly ChatMessage[];
  /** A Jinja chat template to use instead of the model's. */
  template?: string;
  /** Extra template variables for every turn (e.g. enable_thinking: false): an object. */
  templateVariables?: Record<string, unknown>;
  /** Default generation options for every turn. */
  generate?: GenerateOptions;
}

export type ChatReply = CompletionResult;

export class Chat {
  readonly #context: Evaluator;
  readonly #template: ChatTemplate;
  readonly #render: RenderOptions;
  readonly #defaults: GenerateOptions;
  #messages: ChatMessage[];
  /** The template refuses a system role: its text goes into the first user message instead. */
  readonly #systemInUser: boolean;
  #promptTokens = 0;
  #busy = false;

  /** Made by model.createChat(); not for direct use. */
  constructor(context: Evaluator, template: ChatTemplate, options: ChatSettings) {
    this.#context = context;
    this.#template = template;
    this.#render = { addGenerationPrompt: true, variables: options.templateVariables };
    checkGenerateOptions(options.generate);
    checkPlainObject(options.templateVariables, 'templateVariables');
    this.#defaults = options.generate ?? {};
    if (options.system !== undefined && typeof options.system !== 'string') throw invalidArgument('system must be a string');
    if (options.history !== undefined) checkMessages(options.history, 'history');
    this.#messages = [...(options.system !== undefined ? [{ role: 'system', content: options.system }] : []), ...(options.history ?? [])];
    this.#systemInUser = this.#messages[0]?.role === 'system' && !rendersSystemRole(template, this.#render);
    // Fails now, not on the first turn, when the template cannot render this history.
    template.render(this.#forTemplate(this.#messages), this.#render);
  }

  /** The conversation so far (a copy). */
  get history(): ChatMessage[] {
    return this.#messages.map((m) => ({ ...m }));
  }

  /**
   * Streams the reply to `text`. The turn joins the history once the reply ends — when the chunk
   * carrying `finishReason` arrives, so a loop may stop there — with its text so far for 'length' or
   * 'stop'; an error, an abort or a loop left early leaves the history as it was.
   */
  async *stream(text: string, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
    if (typeof text !== 'string') throw invalidArgument('the message must be a string');
    if (this.#busy) throw new FathomError('BUSY', 'this chat is already replying; await the previous turn first');
    checkGenerateOptions(options);
    this.#busy = true;
    try {
      const messages = [...this.#messages, { role: 'user', content: text }];
      const settings = { ...this.#defaults, ...options };
      const prompt = this.#fittingPrompt(messages, settings.maxTokens);
      this.#promptTokens = prompt.length;
      let reply = '';
      const chunks = generate(this.#context, prompt, settings);
      try {
        for (;;) {
          const step = await chunks.next();
          if (step.done) return step.value;
          reply += step.value.text;
          // The turn is complete with its last chunk: keep it before handing the chunk over.
          if (step.value.finishReason) this.#messages = [...messages, { role: 'assistant', content: reply }];
          yield step.value;
        }
      } finally {
        await chunks.return('abort'); // a loop left early still ends the generation (and frees its sequence)
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * The whole reply to `text`. An abort resolves with finishReason 'abort' and leaves the history as it was.
   * Under a JSON grammar (this turn's or the chat's), `reply.json` is the parsed value, as with complete().
   */
  send<T>(text: string, options: GenerateOptions & { grammar: JsonGrammar<T> }): Promise<JsonCompletionResult<T>>;
  send(text: string, options?: GenerateOptions): Promise<ChatReply>;
  async send(text: string, options: GenerateOptions = {}): Promise<ChatReply> {
    checkGenerateOptions(options);
    const reply = await collectCompletion(this.stream(text, options), () => this.#promptTokens, options.signal ?? this.#defaults.signal);
    const grammar = options.grammar ?? this.#defaults.grammar;
    return grammar instanceof JsonGrammar ? withJson(reply, grammar, this.#context.tokenizer) : reply;
  }

  // The conversation's tokens, leaving room for the reply (maxTokens, or a quarter of the context):
  // when it does not fit, the oldest turns after the system message are left out of the prompt
  // (they stay in the history).
  #fittingPrompt(messages: ChatMessage[], maxTokens = Infinity): number[] {
    const { contextSize } = this.#context;
    const budget = contextSize - Math.min(maxTokens, Math.floor(contextSize / 4));
    const system = messages[0]?.role === 'system' ? 1 : 0;
    let turns = messages;
    for (;;) {
      const prompt = this.#template.tokenize(this.#forTemplate(turns), this.#render);
      if (prompt.length <= budget || turns.length - system <= 1) return prompt;
      // Drop the oldest message after the system one, and any assistant reply that would now lead.
      turns = [...turns.slice(0, system), ...turns.slice(system + 1)];
      while (turns.length - system > 1 && turns[system]!.role !== 'user') turns = [...turns.slice(0, system), ...turns.slice(system + 1)];
    }
  }

  #forTemplate(messages: ChatMessage[]): ChatMessage[] {
    if (!this.#systemInUser) return messages;
    const [system, ...rest] = messages;
    const first = rest.findIndex((m) => m.role === 'user');
    if (first !== -1) rest[first] = { role: 'user', content: `${system!.content}\n\n${rest[first]!.content}` };
    return rest;
  }
}

// Templates such as Gemma's raise an error for a system message.
function rendersSystemRole(template: ChatTemplate, options: RenderOptions): boolean {
  try {
    template.render(
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
      ],
      options,
    );
    return true;
  } catch {
    return false;
  }
}
