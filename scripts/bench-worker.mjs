// One benchmark run in its own process (so peak RSS is the engine's alone):
// load, time to first token for a 512-token prompt (TTFT), 128 single-token steps
// after it (tg128 at depth 512), then as llama-bench's tg128 counts them: 128
// single-token steps from an empty context; then two more 512-token prompts, each from an
// empty context: pp512 is the median of the three prompts' rates (one prompt is too noisy
// a sample on a shared machine). Prints one JSON line. Usage:
//   node bench-worker.mjs '{"engine":"fathom"|"llama.cpp","model":path,"threads":2,"context":1024,"batch":512,"prompt":512,"generate":128,"extras":false}'
// For fathom it also measures the event-loop lag (a 1 ms timer) during tg, and with "extras"
// two generations at once on a 2-sequence context against the same two one after the other.
import { median } from './bench-runs.mjs';

const o = JSON.parse(process.argv[2]);

/** The same pseudo-random prompt ids for both engines; another seed, another prompt. */
function promptTokens(n, vocab, seed = 12345) {
  let s = seed;
  return Array.from({ length: n }, () => 100 + ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % (vocab - 200)));
}

const now = () => performance.now();
const FRESH_TOKEN = 99;
const PROMPT_RUNS = 3;
const result = { engine: o.engine, promptMs: [] };

if (o.engine === 'fathom') {
  const { loadModel } = await import('../dist/index.js');
  let t = now();
  const model = await loadModel(o.model, { threads: o.threads, contextSize: o.context, batchSize: o.batch });
  result.loadMs = now() - t;
  const prompt = promptTokens(o.prompt, model.vocabulary.size);
  t = now();
  const first = await model.complete(prompt, { maxTokens: 1, ignoreEos: true, temperature: 0 });
  result.ttftMs = now() - t;
  result.promptMs.push(result.ttftMs);
  // The prompt stays cached; each further token is one single-token step.
  const continued = [...prompt, first.tokens[0]];
  const lags = [];
  let last = now();
  const timer = setInterval(() => {
    const tick = now();
    lags.push(tick - last - 1);
    last = tick;
  }, 1);
  t = now();
  const rest = await model.complete(continued, { maxTokens: o.generate, ignoreEos: true, temperature: 0 });
  result.tgDepthMs = now() - t;
  result.generatedDepth = rest.tokens.length;
  // From an empty context: a first token the cached prompt does not start with (ids there are >= 100).
  t = now();
  const fresh = await model.complete([FRESH_TOKEN], { maxTokens: o.generate, ignoreEos: true, temperature: 0 });
  result.tgMs = now() - t;
  result.generated = fresh.tokens.length;
  clearInterval(timer);
  for (let run = 1; run < PROMPT_RUNS; run++) {
    const other = promptTokens(o.prompt, model.vocabulary.size, 12345 + run); // differs from the first token on
    t = now();
    await model.complete(other, { maxTokens: 1, ignoreEos: true, temperature: 0 });
    result.promptMs.push(now() - t);
  }
  lags.sort((a, b) => a - b);
  result.lagP99Ms = lags[Math.floor(lags.length * 0.99)] ?? 0;
  if (o.extras) {
    // Two 64-token generations after different 64-token prompts: sequential, then together.
    const context = await model.createContext({ threads: o.threads, contextSize: 256, sequences: 2 });
    const prompts = [promptTokens(64, model.vocabulary.size), promptTokens(65, model.vocabulary.size).slice(1)];
    const options = { maxTokens: 64, ignoreEos: true, temperature: 0 };
    t = now();
    for (const p of prompts) await context.complete(p, options);
    result.sequentialMs = now() - t;
    const again = [prompts[0].map((id) => id + 1), prompts[1].map((id) => id + 1)]; // nothing cached
    t = now();
    await Promise.all(again.map((p) => context.complete(p, options)));
    result.togetherMs = now() - t;
    await context.dispose();
  }
  await model.dispose();
} else {
  const { getLlama } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  let t = now();
  const model = await llama.loadModel({ modelPath: o.model, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: o.context, batchSize: o.batch, threads: o.threads, sequences: 1 });
  result.loadMs = now() - t;
  const sequence = context.getSequence();
  const vocab = model.tokens.count ?? model.fileInfo.metadata.tokenizer.ggml.tokens.length;
  const prompt = promptTokens(o.prompt, vocab);
  t = now();
  const it = sequence.evaluate(prompt, { temperature: 0 })[Symbol.asyncIterator]();
  await it.next();
  result.ttftMs = now() - t;
  result.promptMs.push(result.ttftMs);
  const steps = async (iterator) => {
    let n = 0;
    while (n < o.generate) {
      const step = await iterator.next();
      if (step.done) break;
      n++;
    }
    await iterator.return?.();
    return n;
  };
  t = now();
  result.generatedDepth = await steps(it);
  result.tgDepthMs = now() - t;
  await sequence.clearHistory();
  t = now();
  result.generated = await steps(sequence.evaluate([FRESH_TOKEN], { temperature: 0 })[Symbol.asyncIterator]());
  result.tgMs = now() - t;
  for (let run = 1; run < PROMPT_RUNS; run++) {
    await sequence.clearHistory();
    const other = sequence.evaluate(promptTokens(o.prompt, vocab, 12345 + run), { temperature: 0 })[Symbol.asyncIterator]();
    t = now();
    await other.next();
    result.promptMs.push(now() - t);
    await other.return?.();
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}
result.pp = (o.prompt / median(result.promptMs)) * 1000;
result.tg = (result.generated / result.tgMs) * 1000;
result.tgDepth = (result.generatedDepth / result.tgDepthMs) * 1000;
result.peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify(result) + '\n');
