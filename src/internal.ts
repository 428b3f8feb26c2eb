// Building blocks exposed to the test suite only; not part of the package's exports map.
export { TextStream } from './text-stream.js';
export { SHAPES, synthesizeModel } from './gguf/synthesize.js';
export { gguf, storedValue, writeGguf } from './gguf/write-gguf.js';
