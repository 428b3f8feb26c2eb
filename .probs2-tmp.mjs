import { loadAddon } from './test/helpers/native.mjs';
import { loadTokenizer } from './dist/index.js';
const path = `/tmp/synth-${process.env.T ?? 'Q4_K'}.gguf`;
const tok = await loadTokenizer(path);
const addon = loadAddon();
const m = await addon.loadModel(path);
const ctx = await m.createContext({ contextSize: 128, threads: 1 });
const s = new addon.NativeSampler({ temperature: 0 });
let input = tok.tokenize('Hello world, this is', { addEos: false });
for (let i = 0; i < 16; i++) {
  const r = await ctx.evaluate(Int32Array.from(input), s, 5);
  if (i <= 3) console.log(i, r.token, [...r.ids].map((t, j) => `${t}:${Math.exp(r.logprobs[j]).toFixed(4)}`).join(' '));
  input = [r.token];
}
