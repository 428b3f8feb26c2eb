// One engine's runs for npm run bench:grammar (see bench-grammar.mjs), in its own process:
//   node bench-grammar-worker.mjs '{"engine":"fathom"|"llama.cpp","model":path,"threads":2,"tokens":128,"seed":1,"grammars":[[name,gbnf]...]}'
// For each grammar: a free generation (no grammar, ignoreEos) and a constrained one of at most `tokens`
// tokens, same sampler settings and seed; fathom also reports its grammar work per token (µs), from the engine.
// Each run's `ms` is from its first generated token to its last (so the prompt is not counted), over
// `tokens - 1` steps.
const o = JSON.parse(process.argv[2]);
const now = () => performance.now();
const PROMPT = 'Write it as JSON: ';
const SAMPLING = { temperature: 1, topK: 40, topP: 1, seed: o.seed };
const results = [];

if (o.engine === 'fathom') {
  const { Grammar, loadModel } = await import('../dist/index.js');
  const model = await loadModel(o.model, { threads: o.threads, contextSize: 1024 });
  const timed = async (options) => {
    let first = 0;
    let tokens = 0;
    let finishReason = 'length';
    for await (const chunk of model.generate(PROMPT, { maxTokens: o.tokens, ...SAMPLING, ...options })) {
      if (tokens === 0 && chunk.tokens.length > 0) first = now();
      tokens += chunk.tokens.length;
      finishReason = chunk.finishReason ?? finishReason;
    }
    return { ms: now() - first, tokens, finishReason };
  };
  await timed({ maxTokens: 8, ignoreEos: true });
  for (const [name, gbnf] of o.grammars) {
    const t = now();
    const grammar = Grammar.gbnf(gbnf);
    const native = grammar.compiled(model.tokenizer);
    const compileMs = now() - t;
    native.recordTimings(true);
    const free = await timed({ ignoreEos: true, maxTokens: o.tokens });
    const cold = await timed({ grammar });
    const coldTimes = Array.from(native.takeTimings());
    const warm = await timed({ grammar });
    const warmTimes = Array.from(native.takeTimings());
    native.recordTimings(false);
    results.push({ name, compileMs, free, cold, warm, coldTimes, warmTimes });
  }
  await model.dispose();
} else {
  const { getLlama, LlamaGrammarEvaluationState } = await import('node-llama-cpp');
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: o.model, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 1024, threads: o.threads, sequences: 1 });
  const sequence = context.getSequence();
  const prompt = [...(model.tokens.bos != null && model.tokens.shouldPrependBosToken ? [model.tokens.bos] : []), ...model.tokenize(PROMPT)];
  const timed = async (grammar, limit) => {
    await sequence.clearHistory();
    const state = grammar ? new LlamaGrammarEvaluationState({ model, grammar }) : undefined;
    let first = 0;
    let tokens = 0;
    let finishReason = 'length';
    for await (const token of sequence.evaluate(prompt, { ...SAMPLING, grammarEvaluationState: state, yieldEogToken: true })) {
      if (grammar && model.isEogToken(token)) {
        finishReason = 'eos';
        break;
      }
      if (tokens === 0) first = now();
      if (++tokens >= limit) break;
    }
    return { ms: now() - first, tokens, finishReason };
  };
  await timed(null, 8);
  for (const [name, gbnf] of o.grammars) {
    const t = now();
    const grammar = await llama.createGrammar({ grammar: gbnf });
    const compileMs = now() - t;
    const free = await timed(null, o.tokens);
    const cold = await timed(grammar, o.tokens);
    const warm = await timed(grammar, o.tokens);
    results.push({ name, compileMs, free, cold, warm });
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}
process.stdout.write(JSON.stringify(results) + '\n');
