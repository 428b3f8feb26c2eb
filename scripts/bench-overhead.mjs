// npm run bench:overhead — the cost of one generated token on a model so small that
// compute hardly matters (stories260K), so what shows is the per-token path:
//   - fathom through its public API (generation loop, batch queue, text decoding),
//   - fathom's addon called directly (one awaited native step per token),
//   - node-llama-cpp 3.21.1 on the same file (sequence.evaluate),
// each in its own process, alternating, median of --reps runs, µs per token.
// Options: --model PATH (default ../shared/models/stories260K.gguf), --threads N (default 2), --reps N (default 5), --tokens N (default 256).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { median, runInProcess } from './bench-runs.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(HERE, '..', '..', 'shared', 'models', 'stories260K.gguf') },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '5' },
    tokens: { type: 'string', default: '256' },
  },
});

const runs = { api: [], addon: [], 'llama.cpp': [] };
for (let i = 0; i < Number(values.reps); i++) {
  for (const mode of Object.keys(runs)) {
    runs[mode].push(runInProcess('bench-overhead-worker.mjs', [mode, values.model, values.threads, values.tokens]));
  }
}
const [api, addon, theirs] = [median(runs.api), median(runs.addon), median(runs['llama.cpp'])];
console.log(
  `per generated token, ${values.threads} threads, ${values.tokens} tokens, median of ${values.reps} alternating runs (${path.basename(values.model)})`,
);
console.log(`  fathom public API      ${api.toFixed(0).padStart(7)} µs  (${(1e6 / api).toFixed(0)} t/s)`);
console.log(`  fathom addon directly  ${addon.toFixed(0).padStart(7)} µs  (${(1e6 / addon).toFixed(0)} t/s)`);
console.log(`  TS layer (difference)  ${(api - addon).toFixed(0).padStart(7)} µs`);
console.log(
  `  node-llama-cpp         ${theirs.toFixed(0).padStart(7)} µs  (${(1e6 / theirs).toFixed(0)} t/s)   ours/theirs speed ${(theirs / api).toFixed(2)}`,
);
