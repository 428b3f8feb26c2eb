import { Grammar, loadModel } from '../dist/index.js';
import { benchGrammars } from './bench-grammar-cases.mjs';
const file = process.argv[2] ?? '/tmp/fathom-llm-bench/tinyllama-q4_0.gguf';
const which = process.argv[3] ?? 'schema-nested';
const model = await loadModel(file, { threads: 2, contextSize: 1024 });
const gbnf = (await benchGrammars()).find(([n]) => n === which)[1];
const grammar = Grammar.gbnf(gbnf);
const native = grammar.compiled(model.tokenizer);
native.recordTimings(true);
for (let run = 0; run < 2; run++) {
  const r = await model.complete('Write it as JSON: ', { grammar, maxTokens: 128, temperature: 1, topK: 40, seed: 1 });
  const t = Array.from(native.takeTimings());
  const total = t.reduce((a, b) => a + b, 0);
  const top = t
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 8);
  console.log(`run ${run}: ${t.length} tokens, total ${(total / 1000).toFixed(1)} ms, mean ${(total / t.length).toFixed(1)} µs`);
  for (const [v, i] of top)
    console.log(
      `  ${v.toFixed(0)} µs at ${i}: ${JSON.stringify(model.detokenize(r.tokens.slice(Math.max(0, i - 3), i)))} | ${JSON.stringify(model.detokenize(r.tokens.slice(i, i + 1)))}`,
    );
}
await model.dispose();
