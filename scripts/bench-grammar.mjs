// npm run bench:grammar — constrained generation, fathom vs node-llama-cpp 3.21.1 on the same GGUF and the
// same GBNF text, each engine in its own process. Per grammar and model, over `--seeds` seeded generations
// run twice (a first pass from a freshly compiled grammar, a second warm one): fathom's grammar work per
// token (mean, p50, p99 in µs of CPU time, measured in the engine: the check of the drawn token, the mask
// when it is refused, the advance; not the draws), for the first pass, the second, and the first
// generation alone; and for both engines how fast constrained generation runs against free generation of
// as many tokens with the same seed (constrained/free tokens per second, each pass).
// Models are synthesized once (random weights, real shapes and vocabularies: 32k and 152k tokens).
// Options: --model NAME|PATH (repeatable; default tinyllama-q4_0, qwen2.5-0.5b-q8_0), --tokens N (128),
//          --seeds N (4), --threads N (2), --json
import { parseArgs } from 'node:util';

import { benchGrammars } from './bench-grammar-cases.mjs';
import { modelFile } from './bench-models.mjs';
import { quantile, runInProcess } from './bench-runs.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    tokens: { type: 'string', default: '128' },
    seeds: { type: 'string', default: '4' },
    threads: { type: 'string', default: '2' },
    json: { type: 'boolean' },
  },
});
const grammars = await benchGrammars();

const stats = (xs) => ({ mean: xs.reduce((a, b) => a + b, 0) / xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), n: xs.length });
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
// Over one pass's pairs of equal length: constrained steps per second, and that over free generation's.
const speed = (runs, pass) => {
  const pairs = runs.filter((r) => r.pass === pass && r.constrained.tokens > 1 && r.free.tokens === r.constrained.tokens);
  const steps = sum(pairs.map((r) => r.constrained.tokens - 1));
  const constrainedMs = sum(pairs.map((r) => r.constrained.ms));
  return { tg: (steps / constrainedMs) * 1000, ratio: sum(pairs.map((r) => r.free.ms)) / constrainedMs, pairs: pairs.length };
};

const report = [];
for (const name of values.model ?? ['tinyllama-q4_0', 'qwen2.5-0.5b-q8_0']) {
  const file = await modelFile(name);
  const request = (engine) =>
    JSON.stringify({ engine, model: file, threads: Number(values.threads), tokens: Number(values.tokens), seeds: Number(values.seeds), grammars });
  const ours = runInProcess('bench-grammar-worker.mjs', [request('fathom')]);
  const theirs = runInProcess('bench-grammar-worker.mjs', [request('llama.cpp')]);
  for (let i = 0; i < grammars.length; i++) {
    const a = ours[i];
    const b = theirs[i];
    const times = (pass) => a.runs.filter((r) => r.pass === pass).flatMap((r) => r.times);
    report.push({
      model: name,
      grammar: a.name,
      compileMs: { fathom: a.compileMs, 'llama.cpp': b.compileMs },
      grammarUs: { firstGeneration: stats(a.runs[0].times), firstPass: stats(times(0)), warm: stats(times(1)) },
      tokensPerGeneration: { fathom: stats(a.runs.map((r) => r.constrained.tokens)).mean, 'llama.cpp': stats(b.runs.map((r) => r.constrained.tokens)).mean },
      speed: {
        fathom: { firstPass: speed(a.runs, 0), warm: speed(a.runs, 1) },
        'llama.cpp': { firstPass: speed(b.runs, 0), warm: speed(b.runs, 1) },
      },
    });
    process.stderr.write(`${name} ${a.name}: done\n`);
  }
}

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const us = (x) => `${f(x.mean)} / ${f(x.p50)} / ${f(x.p99)}`;
  console.log(
    '| model | grammar | fathom grammar µs/token, first pass: mean / p50 / p99 | warm pass | first generation | constrained/free tg, first pass, warm: fathom | node-llama-cpp | constrained tg fathom / node-llama-cpp | tokens per generation | compile ms fathom / node-llama-cpp |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of report) {
    const g = r.grammarUs;
    const ours = r.speed.fathom;
    const theirs = r.speed['llama.cpp'];
    console.log(
      `| ${r.model} | ${r.grammar} | ${us(g.firstPass)} | ${us(g.warm)} | ${us(g.firstGeneration)} | ${f(ours.firstPass.ratio, 2)}, ${f(ours.warm.ratio, 2)} | ` +
        `${f(theirs.firstPass.ratio, 2)}, ${f(theirs.warm.ratio, 2)} | ${f(ours.warm.tg)} / ${f(theirs.warm.tg)} | ` +
        `${f(r.tokensPerGeneration.fathom, 0)}, ${f(r.tokensPerGeneration['llama.cpp'], 0)} | ${f(r.compileMs.fathom)} / ${f(r.compileMs['llama.cpp'], 2)} |`,
    );
  }
}
