import { bundleFile } from './test/helpers/bundle.mjs';
import { loadTokenizer } from './dist/index.js';
import { readFileSync } from 'node:fs';
const text = readFileSync('/tmp/bench-text.txt', 'utf8');
const ts = await loadTokenizer(await bundleFile(`models/ggml-vocab-${process.env.V ?? 'llama-spm'}.gguf`));
for (let i = 0; i < 3; i++) { const t0 = performance.now(); ts.tokenize(text, { addBos: false, addEos: false }); console.log((performance.now() - t0).toFixed(0), 'ms'); }
