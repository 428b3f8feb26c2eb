import { loadAddon } from './test/helpers/native.mjs';
import { bundleFile } from './test/helpers/bundle.mjs';
import { loadTokenizer } from './dist/internal.js';
import { readFileSync } from 'node:fs';
const text = readFileSync('/tmp/bench-text.txt', 'utf8');
const path = await bundleFile('models/ggml-vocab-llama-spm.gguf');
const native = await loadAddon().loadModel(path, { vocabOnly: true });
const ts = await loadTokenizer(path);
const mb = Buffer.byteLength(text) / 1e6;
for (let i = 0; i < 3; i++) {
  let t0 = performance.now(); const a = native.tokenize(text, false, false); const c = (performance.now() - t0) / 1000;
  t0 = performance.now(); const b = ts.tokenize(text, { addBos: false, addEos: false }); const d = (performance.now() - t0) / 1000;
  console.log(`C++ ${(mb / c).toFixed(2)} MB/s  TS ${(mb / d).toFixed(2)} MB/s  same=${JSON.stringify(Array.from(a)) === JSON.stringify(b)}`);
}
