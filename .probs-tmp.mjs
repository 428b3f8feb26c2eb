import { getLlama } from 'node-llama-cpp';
const path = `/tmp/synth-${process.env.T ?? 'Q4_K'}.gguf`;
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const m = await llama.loadModel({ modelPath: path });
const ctx = await m.createContext({ contextSize: 128, threads: 1 });
const seq = ctx.getSequence();
const input = [m.tokens.bos, ...m.tokenize('Hello world, this is')];
let i = 0;
for await (const out of seq.evaluateWithMetadata(input, { probabilities: true }, { temperature: 0 })) {
  const top = [...out.probabilities.entries()].slice(0, 3).map(([t, p]) => `${t}:${p.toFixed(4)}`);
  if (i <= 3) console.log(i, out.token, top.join(' '));
  if (++i >= 16) break;
}
