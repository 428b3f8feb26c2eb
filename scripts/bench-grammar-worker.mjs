// One engine's runs for npm run bench:grammar (see bench-grammar.mjs), in its own process:
//   node bench-grammar-worker.mjs '{"engine":"fathom"|"llama.cpp","model":path,"threads":2,"tokens":128,"seeds":4,"grammars":[[name,gbnf]...]}'
// For each grammar, two passes over seeds 1..seeds: a constrained generation of at most `tokens` tokens,
// then a free one (no grammar, ignoreEos) of as many tokens, same sampler settings and seed, so each pair
// decodes the same number of steps. The first pass starts on a freshly compiled grammar (its caches
// empty), the second repeats it warm. fathom also reports its grammar work per token (µs of CPU time, from
// the engine). Each run's `ms` is from its first generated token to its last (the prompt is not counted).
const o = JSON.parse(process.argv[2]);
const now = () => performance.now();
const PROMPT = 'Write it as JSON: ';
const sampling = (seed) => ({ temperature: 1, topK: 40, topP: 1, seed });
const results = [];

// Runs both passes with `constrained(seed)` and `free(seed, tokens)`, each returning { ms, tokens }.
async function passes(constrained, free, timings) {
  const out = [];
  for (let pass = 0; pass < 2; pass++) {
    for (let seed = 1; seed <= o.seeds; seed++) {
      const c = await constrained(seed);
      const times = timings ? timings() : [];
      const f = await free(seed, Math.max(c.tokens, 2));
      out.push({ pass, seed, constrained: c, free: f, times });
    }
  }
  return out;
}

if (o.engine === 'fathom') {
  const { Grammar, loadModel } = await import('../dist/index.js');
  const model = await loadModel(o.model, { threads: o.threads, contextSize: 1024 });
  const timed = async (options) => {
    let first = 0;
    let tokens = 0;
    for await (const chunk of model.generate(PROMPT, options)) {
      if (tokens === 0 && chunk.tokens.length > 0) first = now();
      tokens += chunk.tokens.length;
    }
    return { ms: now() - first, tokens };
  };
  await timed({ maxTokens: 8, ignoreEos: true });
  for (const [name, gbnf] of o.grammars) {
    const t = now();
    const grammar = Grammar.gbnf(gbnf);
    const native = grammar.compiled(model.tokenizer);
    const compileMs = now() - t;
    native.recordTimings(true);
    const runs = await passes(
      (seed) => timed({ grammar, maxTokens: o.tokens, ...sampling(seed) }),
      (seed, tokens) => timed({ ignoreEos: true, maxTokens: tokens, ...sampling(seed) }),
      () => Array.from(native.takeTimings()),
    );
    native.recordTimings(false);
    results.push({ name, compileMs, runs });
  }
  await model.dispose();
} else {
  const { getLlama, LlamaGrammarEvaluationState } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: o.model, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 1024, threads: o.threads, sequences: 1 });
  const sequence = context.getSequence();
  const prompt = [...(model.tokens.bos != null && model.tokens.shouldPrependBosToken ? [model.tokens.bos] : []), ...model.tokenize(PROMPT)];
  const timed = async (grammar, limit, seed) => {
    await sequence.clearHistory();
    const state = grammar ? new LlamaGrammarEvaluationState({ model, grammar }) : undefined;
    let first = 0;
    let tokens = 0;
    for await (const token of sequence.evaluate(prompt, { ...sampling(seed), grammarEvaluationState: state, yieldEogToken: true })) {
      if (grammar && model.isEogToken(token)) break;
      if (tokens === 0) first = now();
      if (++tokens >= limit) break;
    }
    return { ms: now() - first, tokens };
  };
  await timed(null, 8, 1);
  for (const [name, gbnf] of o.grammars) {
    const t = now();
    const grammar = await llama.createGrammar({ grammar: gbnf });
    const compileMs = now() - t;
    const runs = await passes(
      (seed) => timed(grammar, o.tokens, seed),
      (seed, tokens) => timed(null, tokens, seed),
    );
    results.push({ name, compileMs, runs });
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}
process.stdout.write(JSON.stringify(results) + '\n');
