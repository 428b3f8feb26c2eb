// npm run bench:grammar — constrained generation, fathom vs node-llama-cpp 3.21.1 on the same GGUF and the
// same GBNF text, each engine in its own process. Per grammar and model: fathom's grammar work per token
// (mean, p50, p99 in µs, measured in the engine: the check of the drawn token, the mask when it is refused,
// the advance; not the draws), and for both engines tokens/s free (no grammar) and constrained, and the
// constrained/free ratio. "cold" is a grammar's first generation (its caches empty), "warm" the second.
// Models are synthesized once (random weights, real shapes and vocabularies: 32k and 152k tokens).
// Options: --model NAME|PATH (repeatable; default tinyllama-q4_0, qwen2.5-0.5b-q8_0), --tokens N (128),
//          --threads N (2), --json
import { parseArgs } from 'node:util';

import { benchGrammars } from './bench-grammar-cases.mjs';
import { modelFile } from './bench-models.mjs';
import { runInProcess } from './bench-runs.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    tokens: { type: 'string', default: '128' },
    threads: { type: 'string', default: '2' },
    json: { type: 'boolean' },
  },
});
const grammars = await benchGrammars();

const quantile = (xs, q) => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const stats = (xs) => ({ mean: xs.reduce((a, b) => a + b, 0) / xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), n: xs.length });
// Steps after the first token per second (NaN for a run of one token or none).
const rate = (run) => (run.tokens > 1 ? ((run.tokens - 1) / run.ms) * 1000 : NaN);

const report = [];
for (const name of values.model ?? ['tinyllama-q4_0', 'qwen2.5-0.5b-q8_0']) {
  const file = await modelFile(name);
  const request = (engine) => JSON.stringify({ engine, model: file, threads: Number(values.threads), tokens: Number(values.tokens), seed: 1, grammars });
  const ours = runInProcess('bench-grammar-worker.mjs', [request('fathom')]);
  const theirs = runInProcess('bench-grammar-worker.mjs', [request('llama.cpp')]);
  for (let i = 0; i < grammars.length; i++) {
    const a = ours[i];
    const b = theirs[i];
    report.push({
      model: name,
      grammar: a.name,
      compileMs: { fathom: a.compileMs, 'llama.cpp': b.compileMs },
      grammarUs: { cold: stats(a.coldTimes), warm: stats(a.warmTimes) },
      tokens: { fathom: a.warm.tokens, 'llama.cpp': b.warm.tokens },
      tgFree: { fathom: rate(a.free), 'llama.cpp': rate(b.free) },
      tgCold: { fathom: rate(a.cold), 'llama.cpp': rate(b.cold) },
      tgWarm: { fathom: rate(a.warm), 'llama.cpp': rate(b.warm) },
      // Per generated token, what the grammar added to the whole step (constrained - free), in µs.
      addedUsPerToken: {
        fathom: (a.warm.ms / a.warm.tokens - a.free.ms / a.free.tokens) * 1000,
        'llama.cpp': (b.warm.ms / b.warm.tokens - b.free.ms / b.free.tokens) * 1000,
      },
    });
    process.stderr.write(`${name} ${a.name}: done\n`);
  }
}

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  console.log(
    '| model | grammar | grammar µs/token warm mean / p50 / p99 (cold p99) | tg free ours/theirs | tg constrained ours/theirs | constrained/free ours, theirs | added µs/token ours, theirs | tokens |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of report) {
    const w = r.grammarUs.warm;
    console.log(
      `| ${r.model} | ${r.grammar} | ${f(w.mean)} / ${f(w.p50)} / ${f(w.p99)} (${f(r.grammarUs.cold.p99)}) | ${f(r.tgFree.fathom)} / ${f(r.tgFree['llama.cpp'])} | ` +
        `${f(r.tgWarm.fathom)} / ${f(r.tgWarm['llama.cpp'])} | ${f(r.tgWarm.fathom / r.tgFree.fathom, 2)}, ${f(r.tgWarm['llama.cpp'] / r.tgFree['llama.cpp'], 2)} | ` +
        `${f(r.addedUsPerToken.fathom, 0)}, ${f(r.addedUsPerToken['llama.cpp'], 0)} | ${r.tokens.fathom}, ${r.tokens['llama.cpp']} |`,
    );
  }
}
