// Building blocks exposed to the test suite only; not part of the package's exports map.
export { TextStream } from './text-stream.js';
