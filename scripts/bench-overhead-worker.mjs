// One run of npm run bench:overhead (see bench-overhead.mjs), in its own process:
//   node bench-overhead-worker.mjs api|addon|llama.cpp <model> <threads> <tokens>  ->  µs per token
const [mode, model, threads, n] = process.argv.slice(2);
const T = Number(threads),
  N = Number(n),
  now = () => performance.now();
const prompt = [1, 403, 407, 261, 378];
let us;
if (mode === 'api') {
  const { loadModel } = await import('../dist/index.js');
  const m = await loadModel(model, { contextSize: 1024, threads: T });
  await m.complete(prompt, { maxTokens: 4, ignoreEos: true });
  const t = now();
  const r = await m.complete(prompt, { maxTokens: N, ignoreEos: true });
  us = ((now() - t) / r.tokens.length) * 1000;
  await m.dispose();
} else if (mode === 'addon') {
  const { createRequire } = await import('node:module');
  const addon = createRequire(import.meta.url)('../build/Release/fathom.node');
  const nm = await addon.loadModel(model);
  const ctx = await nm.createContext({ contextSize: 1024, threads: T, sequences: 1, batchSize: 512 });
  const s = new addon.NativeSampler({ temperature: 0 });
  let [{ token }] = await ctx.evaluate([{ sequence: 0, tokens: Int32Array.from(prompt), sampler: s }]);
  const t = now();
  for (let i = 0; i < N; i++) [{ token }] = await ctx.evaluate([{ sequence: 0, tokens: Int32Array.of(token), sampler: s }]);
  us = ((now() - t) / N) * 1000;
  ctx.dispose();
  nm.dispose();
} else {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const lm = await llama.loadModel({ modelPath: model, gpuLayers: 0 });
  const c = await lm.createContext({ contextSize: 1024, threads: T, sequences: 1 });
  const it = c.getSequence().evaluate(prompt, { temperature: 0 })[Symbol.asyncIterator]();
  await it.next();
  const t = now();
  for (let i = 0; i < N; i++) await it.next();
  us = ((now() - t) / N) * 1000;
  await it.return?.();
  await c.dispose();
  await lm.dispose();
  await llama.dispose();
}
process.stdout.write(JSON.stringify(us) + '\n');
