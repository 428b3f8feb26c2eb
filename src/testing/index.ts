// fathom-llm/testing: what the test suite and the benchmarks build fixtures with — random-weight
// models in real shapes (quantized with ggml), the GGUF writer, and the streaming text decoder.
// Not part of the runtime path: nothing in the main entry imports this.
export { TextStream } from '../text-stream.js';
export { SHAPES, synthesizeModel, type SynthesizeOptions, type SyntheticArchitecture, type SyntheticShape } from './synthesize.js';
export { gguf, storedValue, writeGguf } from '../gguf/write-gguf.js';
