// What inspectGguf() and model.info report about a GGUF file.

export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  /** ggml type name, e.g. "F32", "Q4_K". */
  type: string;
  /** Dimensions, innermost first (ggml order), e.g. [n_embd, n_vocab]. */
  shape: number[];
  /** Byte offset of the tensor's data from the start of the file. */
  offset: number;
  byteSize: number;
}

export interface GgufInfo {
  path: string;
  version: number;
  fileSize: number;
  architecture: string;
  name?: string;
  contextLength?: number;
  embeddingLength?: number;
  blockCount?: number;
  feedForwardLength?: number;
  headCount?: number;
  headCountKv?: number;
  vocabSize?: number;
  /** Total elements across all tensors. */
  parameterCount: number;
  tensors: GgufTensorInfo[];
  /** Every metadata key with its value; 64-bit integers beyond 2^53 are bigint. */
  metadata: Record<string, GgufValue>;
  /** The stored GGUF type of each metadata value: "u32", "f32", "string", ... or "array:<element type>". */
  metadataTypes: Record<string, string>;
}
