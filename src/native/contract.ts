// The typed contract of the native addon: the only description of what
// build/Release/fathom.node exports. Nothing outside src/native/ touches the addon,
// and this file imports nothing: everything above depends on it, never the reverse.

/** A compute device ggml sees. */
export interface Device {
  /** ggml's name, e.g. "CPU", "CUDA0", "Vulkan0". */
  name: string;
  description: string;
  type: 'cpu' | 'gpu' | 'igpu' | 'accel' | 'meta' | 'unknown';
  /** Bytes; for the CPU, the system's memory. */
  memoryFree: number;
  memoryTotal: number;
}

export interface NativeContextOptions {
  /** Positions per sequence. */
  contextSize?: number;
  /** Sequences decoded side by side, each with its own contextSize positions. */
  sequences?: number;
  batchSize?: number;
  threads?: number;
}

export interface NativeSamplerOptions {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  typicalP: number;
  repeatPenalty: number;
  frequencyPenalty: number;
  presencePenalty: number;
  penaltyLastN: number;
  dryMultiplier: number;
  dryBase: number;
  dryAllowedLength: number;
  dryPenaltyLastN: number;
  /** Each breaker as its token ids (tokenized in TS, as llama.cpp does with the vocabulary). */
  drySequenceBreakers: Int32Array[];
  xtcProbability: number;
  xtcThreshold: number;
  /** Token ids and the bias added to their logits (-Infinity bans). */
  logitBiasIds: Int32Array;
  logitBiasValues: Float32Array;
  seed: number;
  /** Constrains the generation (checked on the decode thread, token by token). */
  grammar?: NativeGrammar;
  /** Make the grammar lazy: it applies from the first of these words (or tokens) in the output on. */
  grammarTriggerWords?: string[];
  grammarTriggerTokens?: Int32Array;
}

/**
 * A grammar as the engine takes it. Elements are [kind, value] pairs (kind: 0 a character of class
 * `value`, 1 token `value`, 2 any token but `value`, 3 rule `value`, 4 end of an alternative);
 * rule r's alternatives start at elements `alternatives[ruleAlternatives[r] .. ruleAlternatives[r + 1])`;
 * classes are [negated, count, first, last, ...] one after another (code point ranges, inclusive).
 */
export interface NativeGrammarRules {
  elements: Uint32Array;
  alternatives: Uint32Array;
  ruleAlternatives: Uint32Array;
  classes: Uint32Array;
  names: string[];
  root: number;
}

/** How the addon was built and what it loaded. */
export interface BuildInfo {
  compiler?: string;
  /** ggml CPU backend features, e.g. { AVX2: '1', AVX512: '1' }. */
  features: Record<string, string>;
  /** ggml's backends are libraries loaded at start (a prebuild), not linked in (a source build). */
  dynamicBackends: boolean;
  /** The CPU backend variant ggml picked for this CPU (e.g. "haswell", "zen4"), or "built-in". */
  cpuVariant: string;
  cpuLibrary?: string;
  backendDirectory?: string;
}

/** The model's sizes as the engine loaded them. */
export interface NativeModelShape {
  layers: number;
  embedding: number;
  heads: number;
  /** Rows of the output head. */
  vocabulary: number;
  /** An encoder-only embedding model (BERT): it embeds, but cannot generate or score. */
  encoder: boolean;
}

export interface NativeModel {
  createContext(options: NativeContextOptions): Promise<NativeContext>;
  shape(): NativeModelShape;
  /** Blocks (+1 for the output head) whose weights are on a GPU, and which one. */
  placement(): { gpuLayers: number; gpuDevice: string | null };
  dispose(): void;
}

export interface NativeContextState {
  /** Positions filled, per sequence. */
  used: number[];
  contextSize: number;
  sequences: number;
  busy: boolean;
}

export interface NativeBatchEntry {
  sequence: number;
  /** Appended at the sequence's next positions. */
  tokens: Int32Array;
  /** Picks the next token from the last position's logits; absent: token is -1. */
  sampler?: NativeSampler;
  /** Also return the topK most likely next tokens. */
  topK?: number;
  /** Tokens added to the sampler's penalty/DRY history before it samples (the step's logical input). */
  accept?: Int32Array;
}

export interface NativeStepResult {
  token: number;
  /** Natural log-probability of `token` under the model's distribution (before sampling filters). */
  logprob: number;
  ids?: Int32Array;
  logprobs?: Float32Array;
}

/** Steering: data is [n_layer * n_embd] (row il for layer il), added in layers firstLayer..lastLayer. */
export interface NativeControl {
  data: Float32Array;
  firstLayer: number;
  lastLayer: number;
}

export interface NativeScores {
  /** [n - 1]: log P(tokens[i + 1] | tokens[0..i]). */
  logprobs: Float32Array;
  /** [(n - 1) * topK] most likely ids per position, and their log-probabilities. */
  topIds: Int32Array;
  topLogprobs: Float32Array;
}

export interface NativeInspection {
  /** Per requested layer: the residual stream after it, [n_tokens * n_embd]. */
  hidden: Float32Array[];
  /** Per requested layer: attention probabilities, [n_head * n_tokens * n_tokens]. */
  attention: Float32Array[];
  /** With logits: true: [n_tokens * n_vocab]. */
  logits?: Float32Array;
  /** With embeddings: true: per-token embeddings [n_tokens * n_embd] (final norm's output; an encoder's last block). */
  embeddings?: Float32Array;
}

export interface NativeContext {
  /** Decodes every entry (distinct sequences) in one pass; one result per entry. */
  evaluate(batch: NativeBatchEntry[], control?: NativeControl): Promise<NativeStepResult[]>;
  /** Evaluates tokens on an emptied sequence with every row's logits; the log-probability of each next token. */
  score(sequence: number, tokens: Int32Array, topK: number, control?: NativeControl): Promise<NativeScores>;
  /** Evaluates tokens on an emptied sequence in one graph, copying out hidden states and attention. */
  inspect(
    sequence: number,
    tokens: Int32Array,
    options: { hidden: number[]; attention: number[]; logits?: boolean; embeddings?: boolean },
    control?: NativeControl,
  ): Promise<NativeInspection>;
  /** Final norm and output head over hidden states [rows * n_embd] -> logits [rows * n_vocab]. */
  logitLens(hidden: Float32Array, rows: number): Promise<Float32Array>;
  /** Makes the running evaluate() reject with ABORTED as soon as the current graph node finishes. */
  abort(): void;
  /** Keeps the first `n` positions of a sequence and forgets the rest. */
  truncate(sequence: number, n: number): void;
  state(): NativeContextState;
  dispose(): void;
}

declare const nativeSampler: unique symbol;
/** A generation's sampler state (settings, RNG, penalty history); its history grows through evaluate's `accept`. Opaque. */
export interface NativeSampler {
  readonly [nativeSampler]: true;
}

declare const nativeGrammarVocabulary: unique symbol;
/** A vocabulary's token pieces and trie, for grammars. Opaque. */
export interface NativeGrammarVocabulary {
  readonly [nativeGrammarVocabulary]: true;
}

declare const nativeGrammar: unique symbol;
/** Rules checked and bound to a vocabulary; any number of samplers share it. Opaque. */
export interface NativeGrammar {
  readonly [nativeGrammar]: true;
  /** Is the whole text an output of the grammar? */
  matches(text: string): boolean;
  /** Benchmarks: keep each sampled token's grammar work (µs) while on; takeTimings() returns and clears them. */
  recordTimings(on: boolean): void;
  takeTimings(): Float32Array;
  /**
   * Tests: follows the grammar for up to `steps` (at most 1000) random tokens (seeded), comparing at each state the
   * token mask with each token's own check; `at`/`tokens` list where and which tokens disagree.
   */
  auditMasks(seed: number, steps: number): { steps: number; at: Uint32Array; tokens: Int32Array };
}

export interface NativeAddon {
  loadModel(path: string, options?: { gpuLayers?: number }): Promise<NativeModel>;
  /** The devices ggml sees. */
  devices(): Device[];
  NativeSampler: new (options: NativeSamplerOptions) => NativeSampler;
  /** pieces: every token's bytes back to back (offsets: n_vocab + 1 of them); eog: end-of-generation ids. */
  NativeGrammarVocabulary: new (pieces: Uint8Array, offsets: Uint32Array, eog: Int32Array) => NativeGrammarVocabulary;
  /** Throws INVALID_GRAMMAR (undefined or left-recursive rules, an empty language). */
  NativeGrammar: new (vocabulary: NativeGrammarVocabulary, rules: NativeGrammarRules) => NativeGrammar;
  setErrorClass(cls: unknown): void;
  /** How the addon was built: compiler, and ggml CPU backend features (e.g. { AVX2: '1', AVX512: '1' }). */
  buildInfo(): BuildInfo;
  /** Every error code the engine defines (native/core/error.h), in order. */
  errorCodes(): string[];
  /** Engine objects alive in this process (for leak checks). */
  liveObjects(): { models: number; contexts: number };
  /** F32 rows -> `type` (ggml name, any case) with ggml's quantizers. */
  quantize(type: string, data: Float32Array, rowLength: number): Promise<Uint8Array>;
  /** `elements` values stored as `type` -> F32. */
  dequantize(type: string, data: Uint8Array, elements: number): Promise<Float32Array>;
}
