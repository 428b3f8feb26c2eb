// A conversation: the history of messages, rendered through the model's chat template for each
// turn. Every turn's prompt starts with the previous turns, so the context's cached prefix is reused
// and only the new text is evaluated. The reply is read in the template family's syntax: reasoning
// and tool calls come apart from the content, calls are generated under a grammar of the tools,
// handlers run, and their results go back to the model until it answers.
import { checkMessages, type ChatMessage, type ChatTemplate, type RenderOptions } from './chat-template.js';
import { abortedError, describe, FathomError, invalidArgument } from './errors.js';
import { checkPlainObject } from './options.js';
import type { Evaluator } from './evaluator.js';
import {
  generate,
  withJson,
  type CompletionResult,
  type FinishReason,
  type GenerationChunk,
  type JsonCompletionResult,
  type TokenLogprob,
} from './generation.js';
import { JsonGrammar } from './grammar/grammar.js';
import { checkGenerateOptions, type GenerateOptions } from './sampling-options.js';
import { detectToolSyntax } from './tools/detect-syntax.js';
import { ReplyReader } from './tools/reply-reader.js';
import { promptOpensReasoning } from './tools/syntax/markers.js';
import { GENERIC_INSTRUCTIONS, withGenericToolMessages } from './tools/syntax/generic.js';
import type { ToolSyntax } from './tools/syntax/tool-syntax.js';
import type { AssistantMessage, ToolCall, ToolChoice, ToolSet, ToolSignature } from './tools/tool-call.js';
import { afterReasoning, toolCallGrammar } from './tools/tool-grammar.js';
import { callProblem, checkToolChoice, checkTools, type CheckedTool } from './tools/tool-set.js';

/** A conversation's settings (model.createChat's options, which also choose the context). */
export interface ChatSettings {
  /** The system message opening the conversation. */
  system?: string;
  /** Messages to start from (after the system message). */
  history?: readonly ChatMessage[];
  /** A Jinja chat template to use instead of the model's. */
  template?: string;
  /** Extra template variables for every turn (e.g. enable_thinking: false, reasoning_effort: 'low'): an object. */
  templateVariables?: Record<string, unknown>;
  /** Default generation options for every turn. */
  generate?: GenerateOptions;
  /** Whether a model that can think first does (the template's enable_thinking). Default: as the template has it (llama.cpp's default: on). */
  thinking?: boolean;
  /** How hard a model that takes an effort level thinks (the template's reasoning_effort: gpt-oss, ...). */
  reasoningEffort?: 'low' | 'medium' | 'high';
  /** Tools the model may call, by name. */
  tools?: ToolSet;
  /** Default: 'auto'. */
  toolChoice?: ToolChoice;
  /** Let the model make several calls in one step. Default: true. */
  parallelToolCalls?: boolean;
  /** Most rounds of calls in one turn; the step after the last round is generated without the call grammar. Default: 8. */
  maxToolSteps?: number;
  /** A handler that throws: 'report' (default) gives its message to the model as the result; 'throw' rejects the turn with its error. */
  toolErrors?: 'report' | 'throw';
  /**
   * A conversation longer than the context leaves room for: 'dropOldest' (default) leaves its oldest turns
   * after the system message out of the prompt (they stay in the history); 'error' fails the turn with
   * CONTEXT_FULL when the prompt does not fit (as an OpenAI server answers).
   */
  contextOverflow?: 'dropOldest' | 'error';
}

/** One turn's options: generation options, and the tools for this turn only. */
export interface ChatTurnOptions extends GenerateOptions {
  tools?: ToolSet;
  toolChoice?: ToolChoice;
}

/** What chat.stream yields. Text and reasoning events carry the tokens generated since the previous event. */
export type ChatEvent =
  | ({ type: 'text' } & Omit<GenerationChunk, 'finishReason'> & { finishReason?: ChatFinishReason })
  | ({ type: 'reasoning' } & Omit<GenerationChunk, 'finishReason'>)
  | { type: 'toolCall'; call: ToolCall }
  | { type: 'toolResult'; call: ToolCall; result: string; isError: boolean };

/** Why a turn ended: a generation's reason, or 'toolCalls' when calls are left for the caller to run (see sendToolResults). */
export type ChatFinishReason = FinishReason | 'toolCalls';

export interface ChatReply extends Omit<CompletionResult, 'finishReason'> {
  /** The final answer's content (reasoning and call markup taken out). */
  text: string;
  reasoning: string;
  /** Calls of the last step left unanswered (finishReason 'toolCalls'); [] otherwise. */
  toolCalls: ToolCall[];
  /** What the turn added to the history: the user message, calls, tool results and the answer. */
  messages: ChatMessage[];
  finishReason: ChatFinishReason;
}

/** A result for a call that a chat left to its caller. */
export interface ToolResult {
  /** The call's id. */
  id: string;
  /** A string as is; anything else as JSON. */
  result: unknown;
}

interface Turn {
  tools: Map<string, CheckedTool>;
  choice: ToolChoice;
  generate: GenerateOptions;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export class Chat {
  readonly #context: Evaluator;
  readonly #template: ChatTemplate;
  readonly #syntax: ToolSyntax;
  readonly #variables: Record<string, unknown>;
  readonly #defaults: GenerateOptions;
  readonly #tools: Map<string, CheckedTool>;
  readonly #choice: ToolChoice;
  readonly #parallel: boolean;
  readonly #maxSteps: number;
  readonly #toolErrors: 'report' | 'throw';
  readonly #dropOldest: boolean;
  #messages: ChatMessage[];
  /** False when the template refuses a system role: its text goes into the first user message instead. */
  readonly #rendersSystem: boolean;
  #busy: object | null = null;
  #promptTokens = 0;
  /** What the model wrote for a message with calls: the message itself for a template that shows no calls. */
  readonly #written = new WeakMap<ChatMessage, string>();

  /** Made by model.createChat(); not for direct use. */
  constructor(context: Evaluator, template: ChatTemplate, options: ChatSettings) {
    this.#context = context;
    this.#template = template;
    this.#syntax = detectToolSyntax(template.source);
    checkGenerateOptions(options.generate);
    checkPlainObject(options.templateVariables, 'templateVariables');
    if (options.thinking !== undefined && typeof options.thinking !== 'boolean') throw invalidArgument('thinking must be a boolean');
    if (options.reasoningEffort !== undefined && !['low', 'medium', 'high'].includes(options.reasoningEffort))
      throw invalidArgument(`reasoningEffort must be 'low', 'medium' or 'high', got ${describe(options.reasoningEffort)}`);
    this.#variables = {
      ...(options.thinking !== undefined ? { enable_thinking: options.thinking } : {}),
      ...(options.reasoningEffort !== undefined ? { reasoning_effort: options.reasoningEffort } : {}),
      ...options.templateVariables,
    };
    this.#defaults = options.generate ?? {};
    this.#tools = options.tools !== undefined ? checkTools(options.tools) : new Map();
    checkToolChoice(options.toolChoice, this.#tools);
    this.#choice = options.toolChoice ?? 'auto';
    if (options.parallelToolCalls !== undefined && typeof options.parallelToolCalls !== 'boolean') throw invalidArgument('parallelToolCalls must be a boolean');
    this.#parallel = options.parallelToolCalls ?? true;
    const steps = options.maxToolSteps ?? 8;
    if (!Number.isSafeInteger(steps) || steps < 0) throw invalidArgument('maxToolSteps must be a non-negative integer');
    this.#maxSteps = steps;
    if (options.toolErrors !== undefined && options.toolErrors !== 'report' && options.toolErrors !== 'throw')
      throw invalidArgument("toolErrors must be 'report' or 'throw'");
    this.#toolErrors = options.toolErrors ?? 'report';
    if (options.contextOverflow !== undefined && options.contextOverflow !== 'dropOldest' && options.contextOverflow !== 'error')
      throw invalidArgument("contextOverflow must be 'dropOldest' or 'error'");
    this.#dropOldest = options.contextOverflow !== 'error';
    if (options.system !== undefined && typeof options.system !== 'string') throw invalidArgument('system must be a string');
    if (options.history !== undefined) checkMessages(options.history, 'history');
    this.#messages = [...(options.system !== undefined ? [{ role: 'system', content: options.system }] : []), ...(options.history ?? [])];
    this.#rendersSystem = rendersSystemRole(template, this.#variables);
    // Fails now, not on the first turn, when the template cannot render this history.
    if (this.#messages.length) template.render(this.#forTemplate(this.#messages, []), this.#renderOptions([]));
  }

  /** The conversation so far (a copy). */
  get history(): ChatMessage[] {
    return this.#messages.map((m) => ({ ...m, ...(m.toolCalls ? { toolCalls: m.toolCalls.map((c) => ({ ...c })) } : {}) }));
  }

  /** The conversation as the model reads it, as this chat renders it (with its tools and the generation prompt). */
  get prompt(): string {
    const tools = this.#choice === 'none' ? [] : [...this.#tools.values()].map((t) => t.signature);
    return this.#template.render(this.#forTemplate(this.#messages, tools), this.#renderOptions(tools));
  }

  /** Tokens of the prompt the latest generation read (0 before the first). */
  get promptTokens(): number {
    return this.#promptTokens;
  }

  /** The call syntax this chat reads, from its template's family ('hermes', 'llama3', 'harmony', …; 'generic' when none is known). */
  get toolSyntax(): string {
    return this.#syntax.name;
  }

  /**
   * Streams the reply to `text`: text and reasoning as they come, each call the model makes and each
   * handler's result. The last event is a text event carrying `finishReason`. The turn joins the
   * history when it ends (a loop may stop at that event); an error, an abort or a loop left early
   * leaves the history as it was.
   */
  async *stream(text: string, options: ChatTurnOptions = {}): AsyncGenerator<ChatEvent, ChatFinishReason, undefined> {
    if (typeof text !== 'string') throw invalidArgument('the message must be a string');
    return yield* this.#turn([{ role: 'user', content: text }], options);
  }

  /**
   * The whole reply to `text`, after any calls and their results. An abort resolves with finishReason
   * 'abort' and leaves the history as it was. Under a JSON grammar (this turn's or the chat's),
   * `reply.json` is the parsed value, as with complete().
   */
  send<T>(text: string, options: ChatTurnOptions & { grammar: JsonGrammar<T> }): Promise<ChatReply & Pick<JsonCompletionResult<T>, 'json'>>;
  send(text: string, options?: ChatTurnOptions): Promise<ChatReply>;
  async send(text: string, options: ChatTurnOptions = {}): Promise<ChatReply> {
    return this.#collect(this.stream(text, options), options);
  }

  /** Answers the calls a turn left to its caller (finishReason 'toolCalls'), then streams on like stream(). */
  async *streamToolResults(results: readonly ToolResult[], options: ChatTurnOptions = {}): AsyncGenerator<ChatEvent, ChatFinishReason, undefined> {
    const last = this.#messages.at(-1);
    const pending = last?.role === 'assistant' ? (last.toolCalls ?? []) : [];
    if (!Array.isArray(results) || pending.length === 0) throw invalidArgument('there are no calls waiting for results (the last message made no calls)');
    const byId = new Map(results.map((r) => [r?.id, r]));
    for (const id of byId.keys()) if (!pending.some((call) => call.id === id)) throw invalidArgument(`a result for '${String(id)}', which no waiting call has`);
    const messages = pending.map((call): ChatMessage => {
      const answer = byId.get(call.id!);
      if (!answer) throw invalidArgument(`no result for call '${call.id}' (${call.name})`);
      return { role: 'tool', content: resultText(answer.result), toolCallId: call.id!, name: call.name };
    });
    return yield* this.#turn(messages, options);
  }

  /** sendToolResults: the whole reply after the results, as send() gives it. */
  async sendToolResults(results: readonly ToolResult[], options: ChatTurnOptions = {}): Promise<ChatReply> {
    return this.#collect(this.streamToolResults(results, options), options);
  }

  async *#turn(opening: ChatMessage[], options: ChatTurnOptions): AsyncGenerator<ChatEvent, ChatFinishReason, undefined> {
    if (this.#busy) throw new FathomError('BUSY', 'this chat is already replying; await the previous turn first');
    const turn = this.#checkTurn(options);
    const busy = {};
    this.#busy = busy;
    try {
      const added: ChatMessage[] = [...opening];
      for (let step = 0; ; step++) {
        const withTools = turn.tools.size > 0 && turn.choice !== 'none';
        const grammarOn = withTools && step < this.#maxSteps;
        const reply = yield* this.#generateStep(added, turn, grammarOn, step === 0);
        const { message, finishReason } = reply;
        const calls = withTools ? this.#withIds(message.toolCalls, added) : [];
        const assistant: ChatMessage = {
          role: 'assistant',
          content: message.content,
          ...(message.reasoning ? { reasoning: message.reasoning } : {}),
          ...(calls.length ? { toolCalls: calls } : {}),
        };
        if (calls.length) this.#written.set(assistant, reply.text);
        added.push(assistant);
        for (const call of calls) yield { type: 'toolCall', call };
        // A call to a tool the chat does not have is answered with an error; one to a tool without a handler is the caller's.
        const runnable =
          calls.length > 0 && finishReason === 'eos' && step < this.#maxSteps && calls.every((c) => !turn.tools.has(c.name) || turn.tools.get(c.name)!.handler);
        if (!runnable) {
          const reason: ChatFinishReason = calls.length && finishReason === 'eos' ? 'toolCalls' : finishReason;
          this.#messages = [...this.#messages, ...added];
          this.#busy = null; // the turn is in the history: a consumer that stops at this last event leaves the chat free
          yield { type: 'text', text: '', tokens: [], finishReason: reason };
          return reason;
        }
        const results = await this.#runCalls(calls, turn, options.signal ?? this.#defaults.signal);
        for (const [i, call] of calls.entries()) {
          added.push({ role: 'tool', content: results[i]!.result, toolCallId: call.id, name: call.name });
          yield { type: 'toolResult', call, ...results[i]! };
        }
      }
    } finally {
      if (this.#busy === busy) this.#busy = null;
    }
  }

  // The calls with ids: the model's where it wrote them, unless one is already taken in the conversation.
  #withIds(calls: readonly ToolCall[], added: readonly ChatMessage[]): ToolCall[] {
    const taken = new Set([...this.#messages, ...added].flatMap((m) => (m.toolCalls ?? []).map((c) => c.id)));
    return calls.map((call) => {
      let id = call.id;
      while (id === undefined || taken.has(id)) id = callId();
      taken.add(id);
      return { ...call, id };
    });
  }

  // One generation: its text and reasoning events as they come, then the message read from it.
  async *#generateStep(
    turnMessages: ChatMessage[],
    turn: Turn,
    grammarOn: boolean,
    first: boolean,
  ): AsyncGenerator<ChatEvent, { message: AssistantMessage; finishReason: FinishReason; text: string }, undefined> {
    const tools = turn.choice === 'none' ? [] : [...turn.tools.values()].map((t) => t.signature);
    const settings: GenerateOptions = { ...turn.generate };
    const prompt = this.#fittingPrompt(turnMessages, tools, settings.maxTokens);
    const reasoningOpen = promptOpensReasoning(prompt.text, this.#syntax.reasoning);
    if (grammarOn) {
      const forced = first && (turn.choice === 'required' || typeof turn.choice === 'object');
      const offered = typeof turn.choice === 'object' && forced ? tools.filter((t) => t.name === (turn.choice as { name: string }).name) : tools;
      settings.grammar = toolCallGrammar(this.#syntax, offered, { forced, parallel: this.#parallel, reasoningOpen });
    }
    // A turn's own grammar starts after the reasoning the prompt opened (else it would have to be written inside it).
    const markers = this.#syntax.reasoning;
    if (!grammarOn && settings.grammar && settings.grammar.triggers.length === 0 && reasoningOpen && markers)
      settings.grammar = afterReasoning(settings.grammar, markers.end);
    const reader = new ReplyReader(this.#syntax, { reasoningOpen, calls: tools.length > 0, tools });
    const chunks = generate(this.#context, prompt.tokens, settings);
    let tokens: number[] = [];
    let logprobs: TokenLogprob[] | undefined;
    try {
      for (;;) {
        const step = await chunks.next();
        if (step.done) throw new Error('a generation ended without its last chunk'); // generate() always yields one
        tokens.push(...step.value.tokens);
        if (step.value.logprobs) (logprobs ??= []).push(...step.value.logprobs);
        const finishReason = step.value.finishReason;
        // The last chunk may carry text too (what came before a stop string, a held-back tail).
        const pushed = reader.push(step.value.text);
        const end = finishReason ? reader.finish() : null;
        const delta = end ? { reasoning: pushed.reasoning + end.reasoning, content: pushed.content + end.content } : pushed;
        // Tokens (and their logprobs) go with the next event shown: call markup's with the text after it.
        const event = (type: 'text' | 'reasoning', text: string): ChatEvent => {
          const out = { type, text, tokens, ...(logprobs ? { logprobs } : {}) };
          tokens = [];
          logprobs = logprobs ? [] : undefined;
          return out;
        };
        if (delta.reasoning) yield event('reasoning', delta.reasoning);
        if (delta.content) yield event('text', delta.content);
        if (end) {
          if (tokens.length) yield event('text', '');
          return { message: end.message, finishReason: finishReason!, text: reader.text };
        }
      }
    } finally {
      await chunks.return('abort'); // a loop left early still ends the generation (and frees its sequence)
    }
  }

  async #runCalls(calls: ToolCall[], turn: Turn, signal: AbortSignal | undefined): Promise<{ result: string; isError: boolean }[]> {
    const controller = new AbortController();
    const abort = () => controller.abort(signal?.reason);
    if (signal?.aborted) throw abortedError(signal);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      return await Promise.all(
        calls.map(async (call) => {
          // The grammar makes the arguments valid; a call read without it (or a schema the grammar only approximates) is checked here.
          const problem = callProblem(call, turn.tools);
          if (problem) return { result: `Error: ${problem}`, isError: true };
          try {
            const result = await turn.tools.get(call.name)!.handler!(call.arguments as never, { signal: controller.signal, call });
            return { result: resultText(result), isError: false };
          } catch (error) {
            if (signal?.aborted) throw abortedError(signal);
            if (this.#toolErrors === 'throw') throw error;
            return { result: `Error: ${error instanceof Error ? error.message : String(error)}`, isError: true };
          }
        }),
      );
    } finally {
      signal?.removeEventListener('abort', abort);
      controller.abort(); // handlers still running when one failed (or the turn was aborted) are told to stop
    }
  }

  async #collect(events: AsyncGenerator<ChatEvent, ChatFinishReason, undefined>, options: ChatTurnOptions): Promise<ChatReply> {
    const before = this.#messages.length;
    const signal = options.signal ?? this.#defaults.signal;
    let text = '';
    let reasoning = '';
    const tokens: number[] = [];
    let logprobs: TokenLogprob[] | undefined;
    let finishReason: ChatFinishReason;
    for (;;) {
      let step: IteratorResult<ChatEvent, ChatFinishReason>;
      try {
        step = await events.next();
      } catch (error) {
        if (error instanceof FathomError && error.code === 'ABORTED' && signal?.aborted) {
          finishReason = 'abort';
          break;
        }
        throw error;
      }
      if (step.done) {
        finishReason = step.value;
        break;
      }
      const event = step.value;
      if (event.type === 'toolCall' || event.type === 'toolResult') {
        if (event.type === 'toolResult') [text, reasoning] = ['', '']; // a new step's reply follows
        continue;
      }
      if (event.type === 'text') text += event.text;
      else reasoning += event.text;
      tokens.push(...event.tokens);
      if (event.logprobs) (logprobs ??= []).push(...event.logprobs);
    }
    const messages = finishReason === 'abort' ? [] : this.#messages.slice(before);
    const last = messages.at(-1);
    const reply: ChatReply = {
      text: finishReason === 'abort' ? text : (last?.content ?? text),
      reasoning: finishReason === 'abort' ? reasoning : (last?.reasoning ?? ''),
      toolCalls: finishReason === 'toolCalls' ? (last?.toolCalls ?? []) : [],
      messages,
      tokens,
      ...(logprobs ? { logprobs } : {}),
      finishReason,
      promptTokens: this.#promptTokens,
    };
    const grammar = options.grammar ?? this.#defaults.grammar;
    return grammar instanceof JsonGrammar && finishReason !== 'toolCalls'
      ? (withJson(reply as CompletionResult, grammar, this.#context.tokenizer) as unknown as ChatReply)
      : reply;
  }

  #checkTurn(options: ChatTurnOptions): Turn {
    if (typeof options !== 'object' || options === null) throw invalidArgument(`generate options must be an object, got ${describe(options)}`);
    const { tools, toolChoice, ...generateOptions } = options;
    checkGenerateOptions(generateOptions);
    const turnTools = tools !== undefined ? checkTools(tools) : this.#tools;
    checkToolChoice(toolChoice, turnTools);
    const choice = toolChoice ?? (tools !== undefined ? 'auto' : this.#choice);
    const generate = { ...this.#defaults, ...generateOptions };
    if (generate.grammar && turnTools.size > 0 && choice !== 'none')
      throw invalidArgument("a grammar and tools cannot both constrain one turn: pass toolChoice 'none', or leave the grammar out");
    if ((choice === 'required' || typeof choice === 'object') && turnTools.size === 0)
      throw invalidArgument(`toolChoice '${JSON.stringify(choice)}' needs tools`);
    return { tools: turnTools, choice, generate };
  }

  #renderOptions(tools: RenderOptions['tools']): RenderOptions {
    return { addGenerationPrompt: true, variables: this.#variables, ...(tools?.length ? { tools } : {}) };
  }

  // The conversation's tokens, leaving room for the reply (maxTokens, or a quarter of the context):
  // when it does not fit, the oldest turns after the system message are left out of the prompt
  // (they stay in the history); the current turn's messages always stay.
  #fittingPrompt(turnMessages: ChatMessage[], tools: ToolSignature[], maxTokens = Infinity): { tokens: number[]; text: string } {
    const render = this.#renderOptions(tools);
    const { contextSize } = this.#context;
    const budget = contextSize - Math.min(maxTokens, Math.floor(contextSize / 4));
    const system = this.#messages[0]?.role === 'system' ? 1 : 0;
    let earlier = this.#messages;
    for (;;) {
      const text = this.#template.render(this.#forTemplate([...earlier, ...turnMessages], tools), render);
      const tokens = this.#template.tokenizeRendered(text);
      this.#promptTokens = tokens.length;
      if (tokens.length <= budget || earlier.length <= system || !this.#dropOldest) return { tokens, text };
      // Drop the oldest message after the system one, and any reply or tool result that would now lead.
      earlier = [...earlier.slice(0, system), ...earlier.slice(system + 1)];
      while (earlier.length > system && earlier[system]!.role !== 'user') earlier = [...earlier.slice(0, system), ...earlier.slice(system + 1)];
    }
  }

  // The messages as this template takes them: a template with no call syntax of its own is told
  // the generic one, and a system message it refuses goes into the first user message.
  #forTemplate(messages: ChatMessage[], tools: readonly ToolSignature[]): ChatMessage[] {
    let out = messages;
    if (this.#template.callForm === 'none') {
      // The template shows no calls: a call message is what the model wrote (or, from a history given, the generic JSON).
      out = out.map((m) => (this.#written.has(m) ? { role: m.role, content: this.#written.get(m)!, ...(m.reasoning ? { reasoning: m.reasoning } : {}) } : m));
      if (this.#syntax.name === 'generic') out = withGenericToolMessages(out);
    }
    if (tools.length && this.#syntax.name === 'generic') {
      const listed = this.#template.source.includes('tools') ? '' : `Tools:\n${JSON.stringify(tools)}\n`;
      const instructions = `${listed}${GENERIC_INSTRUCTIONS}`;
      out =
        out[0]?.role === 'system'
          ? [{ ...out[0], content: `${out[0].content}\n\n${instructions}` }, ...out.slice(1)]
          : [{ role: 'system', content: instructions }, ...out];
    }
    if (this.#rendersSystem || out[0]?.role !== 'system') return out;
    const [system, ...rest] = out;
    const first = rest.findIndex((m) => m.role === 'user');
    if (first !== -1) rest[first] = { ...rest[first]!, content: `${system!.content}\n\n${rest[first]!.content}` };
    return rest;
  }
}

// Templates such as Gemma's raise an error for a system message.
function rendersSystemRole(template: ChatTemplate, variables: Record<string, unknown> | undefined): boolean {
  try {
    template.render(
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
      ],
      { variables },
    );
    return true;
  } catch {
    return false;
  }
}

function callId(): string {
  let id = '';
  for (let i = 0; i < 9; i++) id += ID_CHARS[Math.floor(Math.random() * ID_CHARS.length)];
  return id;
}

function resultText(result: unknown): string {
  if (typeof result === 'string') return result;
  if (result === undefined) return '';
  try {
    return JSON.stringify(result) ?? String(result); // a function or symbol has no JSON
  } catch {
    return String(result);
  }
}
