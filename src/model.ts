// The public Model: weights, tokenizer, and the contexts generation runs on.
// loadModel() also makes a default context, so model.generate() works at once;
// model.createContext() makes more (e.g. several sequences for concurrent
// generations). dispose() frees every context and the weights.
import { availableParallelism } from 'node:os';

import { Chat, type ChatSettings } from './chat.js';
import { ChatTemplate, CHATML_TEMPLATE, type ChatMessage, type RenderOptions } from './chat-template.js';
import { Context, type ContextOptions } from './context.js';
import type { ControlVector } from './control-vector.js';
import { deriveControlVector, type DeriveOptions } from './control-vector-derivation.js';
import { checkGpuLayers, resolveGpuLayers, type GpuLayers } from './devices.js';
import { embedAll, modelPooling, type EmbedOptions, type Embedding, type Pooling } from './embedding.js';
import { abortedError, describe, FathomError, invalidArgument } from './errors.js';
import type { CompletionResult, FinishReason, GenerationChunk, JsonCompletionResult } from './generation.js';
import type { JsonGrammar } from './grammar/grammar.js';
import type { GgufInfo } from './gguf/gguf-info.js';
import { readGguf } from './gguf/read-gguf.js';
import type { InspectOptions, Inspection, LensOptions } from './inspection.js';
import { loadNativeModel } from './native/addon.js';
import { checkOptions, checkPlainObject, type KeySet } from './options.js';
import type { NativeModel } from './native/contract.js';
import type { Prompt, TokenAlternative } from './prompt.js';
import type { GenerateOptions } from './sampling-options.js';
import { renderTextReport } from './report/html-page.js';
import { collectTextReport, type TextReportOptions } from './report/text-report.js';
import type { PerplexityOptions, PerplexityResult, ScoreOptions, ScoreResult } from './scoring.js';
import { Tokenizer, type DetokenizeOptions, type TokenizeOptions } from './tokenizer/tokenizer.js';
import { detectToolSyntax } from './tools/detect-syntax.js';
import { promptOpensReasoning } from './tools/syntax/markers.js';
import type { ToolSyntax } from './tools/syntax/tool-syntax.js';
import type { AssistantMessage, ToolSet, ToolSignature } from './tools/tool-call.js';
import { checkTools } from './tools/tool-set.js';

export interface LoadModelOptions extends ContextOptions {
  /** Load only the tokenizer (no weights are read): tokenize/detokenize work, generation does not. */
  vocabOnly?: boolean;
  /** Transformer blocks on a GPU (see GpuLayers); default 'auto'. Ignored without a GPU. */
  gpuLayers?: GpuLayers;
  signal?: AbortSignal;
}

export interface ChatOptions extends ChatSettings {
  /** The context to generate on. Default: the model's default context. */
  context?: Context;
}

/** Special token ids and flags of a model's vocabulary. */
export interface VocabularyInfo {
  size: number;
  /** tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE), "bert" (WordPiece), "t5" (Unigram), ... */
  tokenizerModel: string;
  bos: number | null;
  eos: number | null;
  eot: number | null;
  addBos: boolean;
  addEos: boolean;
  /** Ids that end generation. */
  eog: number[];
}

const CONTEXT_KEYS = { contextSize: true, sequences: true, batchSize: true, threads: true } as const satisfies KeySet<ContextOptions>;
const LOAD_KEYS = { ...CONTEXT_KEYS, vocabOnly: true, gpuLayers: true, signal: true } as const satisfies KeySet<LoadModelOptions>;
const CHAT_KEYS = {
  system: true,
  history: true,
  context: true,
  template: true,
  templateVariables: true,
  generate: true,
  thinking: true,
  reasoningEffort: true,
  contextOverflow: true,
  tools: true,
  toolChoice: true,
  parallelToolCalls: true,
  maxToolSteps: true,
  toolErrors: true,
} as const satisfies KeySet<ChatOptions>;
const RENDER_KEYS = { addGenerationPrompt: true, variables: true, template: true, tools: true } as const satisfies KeySet<ApplyChatTemplateOptions>;
const PARSE_KEYS = { template: true, tools: true, templateVariables: true, partial: true } as const satisfies KeySet<ParseAssistantMessageOptions>;

export interface ApplyChatTemplateOptions extends Omit<RenderOptions, 'tools'> {
  /** A Jinja chat template to use instead of the model's. */
  template?: string;
  /** Tools to present (as `tools`, in the form Hugging Face templates read). */
  tools?: ToolSet;
}

export interface ParseAssistantMessageOptions {
  /** The template whose family's syntax to read (default: the model's). */
  template?: string;
  /** The tools offered (syntaxes that write arguments as plain text read them with their schema). */
  tools?: ToolSet;
  /** The template variables the prompt was rendered with (whether it opened the reasoning depends on them: enable_thinking). */
  templateVariables?: Record<string, unknown>;
  /**
   * The text is a reply still streaming: text that could still become a marker is held back and
   * calls are read only once the reply ends, so the content and reasoning of successive readings
   * only grow (a server sends the difference).
   */
  partial?: boolean;
}

const DEFAULT_CONTEXT_SIZE = 4096;
const MAX_DEFAULT_THREADS = 4;

function checkPositiveInteger(name: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) {
    throw invalidArgument(`${name} must be a positive integer, got ${describe(value)}`);
  }
}

function checkContextOptions(options: ContextOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object');
  for (const key of ['threads', 'contextSize', 'batchSize', 'sequences'] as const) checkPositiveInteger(key, options[key]);
}

function defaultContextSize(info: GgufInfo): number {
  return Math.min(info.contextLength || DEFAULT_CONTEXT_SIZE, DEFAULT_CONTEXT_SIZE);
}

export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  checkOptions(options, LOAD_KEYS, 'loadModel options');
  checkContextOptions(options);
  const { vocabOnly = false, gpuLayers, signal, ...contextOptions } = options;
  checkGpuLayers(gpuLayers);
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgument('signal must be an AbortSignal');
  if (signal?.aborted) throw abortedError(signal);
  // The TS reader validates the header first: cheap, and its errors name the key at fault.
  const info = await readGguf(path);
  const tokenizer = new Tokenizer(info);
  if (vocabOnly) return new Model(info, tokenizer, null);
  const cells = (contextOptions.contextSize ?? defaultContextSize(info)) * (contextOptions.sequences ?? 1);
  const native = await loadNativeModel(path, { gpuLayers: resolveGpuLayers(gpuLayers ?? 'auto', info, cells) });
  return Model.withDefaultContext(info, tokenizer, native, contextOptions, signal);
}

export class Model {
  readonly info: GgufInfo;
  readonly tokenizer: Tokenizer;
  #native: NativeModel | null;
  #defaultContext: Context | null = null;
  readonly #contexts = new Set<Context>();
  #disposing = false;
  #disposed: Promise<void> | undefined;
  #chatTemplate: ChatTemplate | undefined;
  readonly #readings = new Map<string, { syntax: ToolSyntax; reasoningOpen: boolean }>();

  /** Made by loadModel(); not for direct use. */
  constructor(info: GgufInfo, tokenizer: Tokenizer, native: NativeModel | null) {
    this.info = info;
    this.tokenizer = tokenizer;
    this.#native = native;
  }

  /** @internal loadModel()'s second half: the model and its default context, or nothing. */
  static async withDefaultContext(info: GgufInfo, tokenizer: Tokenizer, native: NativeModel, options: ContextOptions, signal?: AbortSignal): Promise<Model> {
    const model = new Model(info, tokenizer, native);
    try {
      if (signal?.aborted) throw abortedError(signal);
      model.#defaultContext = await model.createContext(options);
      if (signal?.aborted) throw abortedError(signal);
    } catch (error) {
      await model.dispose();
      throw error;
    }
    return model;
  }

  get disposed(): boolean {
    return this.#disposing;
  }

  /** Special token ids and tokenizer flags of this model's vocabulary. */
  get vocabulary(): VocabularyInfo {
    this.#checkNotDisposed();
    const v = this.tokenizer.vocabulary;
    return {
      size: v.texts.length,
      tokenizerModel: v.model,
      bos: v.special.bos,
      eos: v.special.eos,
      eot: v.special.eot,
      addBos: v.addBos,
      addEos: v.addEos,
      eog: [...v.eog],
    };
  }

  /** Transformer blocks (+1 for the output head) whose weights are on a GPU, and its name; 0 and null on the CPU. */
  get placement(): { gpuLayers: number; gpuDevice: string | null } {
    this.#checkNotDisposed();
    return this.#native ? this.#native.placement() : { gpuLayers: 0, gpuDevice: null };
  }

  /** The context model.generate() and model.complete() use. */
  get context(): Context {
    this.#checkNotDisposed();
    if (!this.#defaultContext) throw invalidArgument('this model was loaded with vocabOnly: true and cannot generate');
    return this.#defaultContext;
  }

  /** Size of the default context's KV cache, in tokens per sequence. */
  get contextSize(): number {
    return this.context.contextSize;
  }

  #checkNotDisposed(): void {
    if (this.#disposing) throw new FathomError('DISPOSED', 'the model has been disposed');
  }

  /**
   * A new context on these weights: its own KV cache of `contextSize` positions for each
   * of `sequences` sequences. Defaults as for loadModel.
   */
  async createContext(options: ContextOptions = {}): Promise<Context> {
    this.#checkNotDisposed();
    checkOptions(options, CONTEXT_KEYS, 'createContext options');
    checkContextOptions(options);
    if (!this.#native) throw invalidArgument('this model was loaded with vocabOnly: true and cannot generate');
    const native = await this.#native.createContext({
      contextSize: options.contextSize ?? defaultContextSize(this.info),
      sequences: options.sequences ?? 1,
      batchSize: options.batchSize ?? 512,
      threads: options.threads ?? Math.min(availableParallelism(), MAX_DEFAULT_THREADS),
    });
    if (this.#disposing) {
      native.dispose();
      throw new FathomError('DISPOSED', 'the model was disposed while the context was being created');
    }
    const context = new Context(native, this.tokenizer, this.#native.shape(), (c) => this.#contexts.delete(c));
    this.#contexts.add(context);
    return context;
  }

  /** The Jinja chat template the file carries (tokenizer.chat_template), or null. */
  get chatTemplate(): string | null {
    const source = this.info.metadata['tokenizer.chat_template'];
    return typeof source === 'string' && source ? source : null;
  }

  /**
   * Renders messages with the model's chat template (llama.cpp's ChatML when the file has none),
   * or with `options.template`.
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: ApplyChatTemplateOptions = {}): string {
    this.#checkNotDisposed();
    checkOptions(options, RENDER_KEYS, 'applyChatTemplate options');
    const { template, tools, ...render } = options;
    const signatures = tools !== undefined ? [...checkTools(tools).values()].map((t) => t.signature) : [];
    return this.#templateOr(template).render(messages, { ...render, ...(signatures.length ? { tools: signatures } : {}) });
  }

  /**
   * Reads a reply the model wrote (the text generated after a chat prompt) in its template family's
   * syntax: content, reasoning and tool calls. For apps that run their own loop.
   */
  parseAssistantMessage(text: string, options: ParseAssistantMessageOptions = {}): AssistantMessage {
    this.#checkNotDisposed();
    if (typeof text !== 'string') throw invalidArgument('parseAssistantMessage(text) takes a string');
    checkOptions(options, PARSE_KEYS, 'parseAssistantMessage options');
    checkPlainObject(options.templateVariables, 'templateVariables');
    if (options.partial !== undefined && typeof options.partial !== 'boolean') throw invalidArgument('partial must be a boolean');
    const tools = options.tools !== undefined ? [...checkTools(options.tools, 'tools', { compile: false }).values()].map((t) => t.signature) : [];
    const reader = this.#replyReading(options.template, tools, options.templateVariables);
    return reader.syntax.parse(text, { reasoningOpen: reader.reasoningOpen, partial: options.partial ?? false, calls: true, tools });
  }

  // How replies after a prompt of this template read: its family's syntax, and whether the prompt opens
  // the reasoning (a one-message prompt stands for any). Kept for the last few, as a stream reads the
  // same reply again and again.
  #replyReading(
    source: string | undefined,
    tools: ToolSignature[],
    variables: Record<string, unknown> | undefined,
  ): { syntax: ToolSyntax; reasoningOpen: boolean } {
    const key = `${source ?? ''}\0${JSON.stringify(variables ?? {})}\0${JSON.stringify(tools)}`;
    let reading = this.#readings.get(key);
    if (!reading) {
      const template = this.#templateOr(source);
      const syntax = detectToolSyntax(template.source);
      const prompt = template.render([{ role: 'user', content: 'Hi' }], { variables, ...(tools.length ? { tools } : {}) });
      reading = { syntax, reasoningOpen: promptOpensReasoning(prompt, syntax.reasoning) };
      if (this.#readings.size >= 16) this.#readings.delete(this.#readings.keys().next().value!);
      this.#readings.set(key, reading);
    }
    return reading;
  }

  #templateOr(source: string | undefined): ChatTemplate {
    return source !== undefined ? new ChatTemplate(source, this.tokenizer) : this.#template();
  }

  /**
   * A conversation on the default context (or options.context): chat.send(text) replies,
   * chat.stream(text) streams; each turn reuses the cached tokens of the previous ones.
   */
  createChat(options: ChatOptions = {}): Chat {
    this.#checkNotDisposed();
    checkOptions(options, CHAT_KEYS, 'createChat options');
    const template = this.#templateOr(options.template);
    if (options.context !== undefined && !(options.context instanceof Context)) throw invalidArgument('context must be a Context');
    return new Chat((options.context ?? this.context).evaluator, template, options);
  }

  // The file's template; without one, llama.cpp's ChatML fallback, said once per model as a process
  // warning (code FATHOM_NO_CHAT_TEMPLATE): a base model given ChatML tags chats as plain text.
  #template(): ChatTemplate {
    if (!this.#chatTemplate && this.chatTemplate === null) {
      process.emitWarning(
        `${this.info.path}: the model has no chat template (tokenizer.chat_template); using ChatML, which a model not trained on it ` +
          `reads as plain text. Pass { template } to choose one.`,
        { code: 'FATHOM_NO_CHAT_TEMPLATE' },
      );
    }
    this.#chatTemplate ??= new ChatTemplate(this.chatTemplate ?? CHATML_TEMPLATE, this.tokenizer);
    return this.#chatTemplate;
  }

  /** Per-token log-probabilities of a text (position i given everything before it), with sum, mean and perplexity. */
  score(text: Prompt, options: ScoreOptions = {}): Promise<ScoreResult> {
    return this.context.score(text, options);
  }

  /** Perplexity of a long text by llama.cpp's method (chunks, second half of each scored). */
  perplexity(text: string, options: PerplexityOptions = {}): Promise<PerplexityResult> {
    return this.context.perplexity(text, options);
  }

  /** Hidden states and attention probabilities of chosen layers for a text. */
  inspect(text: Prompt, options: InspectOptions = {}): Promise<Inspection> {
    return this.context.inspect(text, options);
  }

  /**
   * A self-contained HTML page about a text (what `fathom inspect-text` writes): each token coloured by
   * its surprisal, the model's alternatives on hover, attention heatmaps per layer and head.
   */
  async textReport(text: Prompt, options: TextReportOptions = {}): Promise<string> {
    const name = this.info.name ?? this.info.path.split(/[\\/]/).pop() ?? 'model';
    return renderTextReport(await collectTextReport(this.context.evaluator, name, text, options));
  }

  /** What the model would predict at each position if it stopped after `layer` (top tokens per position). */
  logitLens(text: Prompt, layer: number, options: LensOptions = {}): Promise<TokenAlternative[][]> {
    return this.context.logitLens(text, layer, options);
  }

  /**
   * Embeddings of a text (or of each of several texts): per-token vectors pooled into one
   * (see EmbedOptions), unit length by default. Works for decoders and for BERT-style encoders.
   */
  embed(text: Prompt, options: EmbedOptions & { pooling: 'none' }): Promise<Float32Array[]>;
  embed(texts: readonly Prompt[], options: EmbedOptions & { pooling: 'none' }): Promise<Float32Array[][]>;
  embed(text: Prompt, options?: EmbedOptions & { pooling?: Exclude<Pooling, 'none'> }): Promise<Float32Array>;
  embed(texts: readonly Prompt[], options?: EmbedOptions & { pooling?: Exclude<Pooling, 'none'> }): Promise<Float32Array[]>;
  embed(input: Prompt | readonly Prompt[], options?: EmbedOptions): Promise<Embedding | Embedding[]>;
  embed(input: Prompt | readonly Prompt[], options: EmbedOptions = {}): Promise<Embedding | Embedding[]> {
    const { evaluator } = this.context;
    return embedAll(evaluator, modelPooling(this.info, evaluator.modelShape.encoder), input, options);
  }

  /** A control vector from examples (mean hidden state of positive minus negative prompts, per layer). */
  deriveControlVector(positive: readonly Prompt[], negative: readonly Prompt[], options: DeriveOptions = {}): Promise<ControlVector> {
    return deriveControlVector(this.context.evaluator, positive, negative, options);
  }

  /** Text -> token ids, as llama.cpp tokenizes for this vocabulary (BOS/EOS as the vocabulary asks by default). */
  tokenize(text: string, options: TokenizeOptions = {}): number[] {
    this.#checkNotDisposed();
    return this.tokenizer.tokenize(text, options);
  }

  /** Token ids -> text, as llama.cpp's detokenizer gives it. */
  detokenize(tokens: readonly number[], options: DetokenizeOptions = {}): string {
    this.#checkNotDisposed();
    return this.tokenizer.detokenize(tokens, options);
  }

  /**
   * Streams generated text on the default context. Each chunk carries whole characters
   * only; stop strings are never emitted. Rejects with ABORTED when `signal` aborts.
   * Several generations may run at once: on one sequence they run one after the other (a newcomer
   * waits while the holder keeps stepping, so no prompt is evaluated twice); with several sequences they
   * share batches. An abandoned iterator holds nothing.
   */
  async *generate(prompt: Prompt, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, FinishReason, undefined> {
    return yield* this.context.generate(prompt, options);
  }

  /**
   * Generates to the end and returns the whole text. An abort resolves with finishReason 'abort'.
   * With a JSON grammar the result also holds the parsed value (`result.json`).
   */
  complete<T>(prompt: Prompt, options: GenerateOptions & { grammar: JsonGrammar<T> }): Promise<JsonCompletionResult<T>>;
  complete(prompt: Prompt, options?: GenerateOptions): Promise<CompletionResult>;
  async complete(prompt: Prompt, options: GenerateOptions = {}): Promise<CompletionResult> {
    return this.context.complete(prompt, options);
  }

  /** Frees weights and every context's KV cache now. Running generations reject with DISPOSED. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      this.#disposing = true;
      await Promise.all([...this.#contexts].map((c) => c.dispose()));
      this.#native?.dispose();
      this.#native = null;
      this.#defaultContext = null;
    })();
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
