// npm run bench — fathom vs node-llama-cpp 3.21.1 on the same GGUF files, CPU,
// same threads, context and batch size, runs alternating ours/theirs, each in its
// own process. Reports medians and ours/theirs ratios for pp512 (tokens/s: in each process the
// median of three 512-token prompts), tg128 (tokens/s), TTFT, load time, peak RSS.
// Models are synthesized once (random weights, real shapes and vocabularies) and cached.
// Options: --model NAME|PATH (repeatable; default tinyllama-q4_0, tinyllama-q8_0, tinyllama-q4_k_m, qwen2.5-0.5b-q8_0),
//          --threads N (default 2), --reps N (default 5), --json
import { parseArgs } from 'node:util';

import { DEFAULT_MODELS, modelFile } from './bench-models.mjs';
import { median, runInProcess } from './bench-runs.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '5' },
    json: { type: 'boolean' },
  },
});
const threads = Number(values.threads);
const reps = Number(values.reps);

function run(engine, model, extras = false) {
  const request = { engine, model, threads, context: 1024, batch: 512, prompt: 512, generate: 128, extras };
  return runInProcess('bench-worker.mjs', [JSON.stringify(request)]);
}

const METRICS = [
  ['pp', 'pp512 t/s', true],
  ['tg', 'tg128 t/s', true],
  ['tgDepth', 'tg128 @512 t/s', true],
  ['ttftMs', 'TTFT ms', false],
  ['loadMs', 'load ms', false],
  ['peakRssMb', 'peak RSS MB', false],
];

const report = [];
for (const name of values.model ?? DEFAULT_MODELS) {
  const file = await modelFile(name);
  const runs = { fathom: [], 'llama.cpp': [] };
  for (let i = 0; i < reps; i++) {
    for (const engine of ['fathom', 'llama.cpp']) runs[engine].push(run(engine, file, i === 0));
    process.stderr.write(`${name}: ${i + 1}/${reps}\n`);
  }
  const row = { model: name, file, threads };
  for (const [key] of METRICS) {
    row[key] = { fathom: median(runs.fathom.map((r) => r[key])), 'llama.cpp': median(runs['llama.cpp'].map((r) => r[key])) };
    row[key].ratio = row[key].fathom / row[key]['llama.cpp'];
  }
  // fathom alone: event-loop lag during tg, and what batching two sequences gains.
  row.lagP99Ms = median(runs.fathom.map((r) => r.lagP99Ms));
  const { sequentialMs, togetherMs } = runs.fathom[0];
  row.twoSequences = { sequentialMs, togetherMs, speedup: sequentialMs / togetherMs };
  report.push(row);
}

if (values.json) {
  console.log(JSON.stringify({ threads, reps, report }, null, 2));
} else {
  console.log(`fathom vs node-llama-cpp 3.21.1, CPU, ${threads} threads, context 1024, batch 512, median of ${reps} alternating runs`);
  console.log(`${'model'.padEnd(22)}${METRICS.map(([, label]) => label.padStart(30)).join('')}`);
  console.log(`${''.padEnd(22)}${METRICS.map(() => 'ours / theirs = ratio'.padStart(30)).join('')}`);
  for (const row of report) {
    const cells = METRICS.map(([key]) => `${row[key].fathom.toFixed(1)} / ${row[key]['llama.cpp'].toFixed(1)} = ${row[key].ratio.toFixed(2)}`.padStart(30));
    console.log(`${row.model.padEnd(22)}${cells.join('')}`);
  }
  console.log('\nfathom alone: event-loop lag p99 during tg128 (1 ms timer); two 64-token generations one after the other vs together on a 2-sequence context');
  for (const row of report) {
    const two = row.twoSequences;
    console.log(
      `${row.model.padEnd(22)}lag p99 ${row.lagP99Ms.toFixed(2)} ms    two generations: ${two.sequentialMs.toFixed(0)} ms -> ${two.togetherMs.toFixed(0)} ms (${two.speedup.toFixed(2)}x)`,
    );
  }
}
