// The typed contract of the native addon: the only description of what
// build/Release/fathom.node exports. Nothing outside src/native/ touches the addon.

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
  loadModel(path: string): Promise<NativeModel>;
  NativeSampler: new (options: NativeSamplerOptions) => NativeSampler;
  setErrorClass(cls: unknown): void;
  /** F32 rows -> `type` (ggml name, any case) with ggml's quantizers. */
  quantize(type: string, data: Float32Array, rowLength: number): Promise<Uint8Array>;
  /** `elements` values stored as `type` -> F32. */
  dequantize(type: string, data: Uint8Array, elements: number): Promise<Float32Array>;
}
