// The typed contract of the native addon: the only description of what
// build/Release/fathom.node exports. Nothing outside src/native/ touches the addon.

export interface NativeVocabInfo {
  size: number;
  tokenizerModel: string;
  bos: number | null;
  eos: number | null;
  eot: number | null;
  addBos: boolean;
  addEos: boolean;
  /** Ids that end generation (EOS, EOT, EOM). */
  eog: number[];
}

export interface NativeContextOptions {
  contextSize?: number;
  batchSize?: number;
  threads?: number;
}

export interface NativeSamplerOptions {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number;
}

export interface NativeModel {
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Int32Array;
  /** UTF-8 bytes of the whole text. */
  detokenize(tokens: Int32Array, special: boolean): Uint8Array;
  /** UTF-8 bytes of one token; may end inside a character. */
  tokenPiece(token: number, special: boolean): Uint8Array;
  vocabInfo(): NativeVocabInfo;
  createContext(options: NativeContextOptions): Promise<NativeContext>;
  dispose(): void;
}

export interface NativeContextState {
  nPast: number;
  contextSize: number;
  busy: boolean;
}

export interface NativeContext {
  /** Appends tokens to the sequence; resolves to the sampled next token, or -1 without a sampler. */
  evaluate(tokens: Int32Array, sampler: NativeSampler | null): Promise<number>;
  /** Makes the running evaluate() reject with ABORTED as soon as the current graph node finishes. */
  abort(): void;
  /** Keeps the first `n` cached positions and forgets the rest. */
  truncate(n: number): void;
  state(): NativeContextState;
  dispose(): void;
}

// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NativeSampler {}

export interface NativeAddon {
  loadModel(path: string, options: { vocabOnly?: boolean }): Promise<NativeModel>;
  NativeSampler: new (options: NativeSamplerOptions) => NativeSampler;
  setErrorClass(cls: unknown): void;
}
