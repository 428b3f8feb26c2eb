import { synthesizeModel, SHAPES } from './dist/internal.js';
import { bundleFile } from './test/helpers/bundle.mjs';
import { loadModel, inspectGguf } from './dist/index.js';
import { getLlama } from 'node-llama-cpp';
const vocab = await bundleFile('models/ggml-vocab-llama-spm.gguf');
for (const type of (process.env.TYPES ?? 'Q4_K,Q6_K').split(',')) {
  const path = `/tmp/synth-${type}.gguf`;
  await synthesizeModel(path, { shape: SHAPES.tiny, vocabularyFrom: vocab, type, seed: 7 });
  const ours = await loadModel(path, { contextSize: 128, threads: 1 });
  const r = await ours.complete('Hello world, this is', { maxTokens: 32, ignoreEos: true });
  await ours.dispose();
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const m = await llama.loadModel({ modelPath: path });
  const ctx = await m.createContext({ contextSize: 128, threads: 1 });
  const seq = ctx.getSequence();
  const input = [m.tokens.bos, ...m.tokenize('Hello world, this is')];
  const theirs = [];
  for await (const t of seq.evaluate(input, { temperature: 0 })) { theirs.push(t); if (theirs.length >= 32) break; }
  await ctx.dispose(); await m.dispose();
  { const d = r.tokens.findIndex((t, i) => t !== theirs[i]); console.log(type, 'first diff at', d, r.tokens.slice(d, d + 4).join(','), '|', theirs.slice(d, d + 4).join(',')); }
}
