// npm run bench:ceiling — how close fathom's single-token speed comes to what ggml's CPU kernels
// allow on the same file: tg128 (fathom, median of --reps runs, each in its own process) against
// the mat-vec ceiling (native/tools/matvec-ceiling.cpp: one token's weights through ggml's kernels
// alone, no attention, norms or sampling). Needs the source build in build/ (npm install makes
// it); builds the tool on first use.
// Options: --model NAME|PATH (repeatable; default the bench's models), --threads N (default 2),
//          --reps N (default 3), --json
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { DEFAULT_MODELS, modelFile } from './bench-models.mjs';
import { median, runInProcess } from './bench-runs.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    threads: { type: 'string', default: '2' },
    reps: { type: 'string', default: '3' },
    json: { type: 'boolean' },
  },
});
const threads = Number(values.threads);
const reps = Number(values.reps);

function ceilingTool() {
  const build = path.join(ROOT, 'build');
  if (!existsSync(path.join(build, 'CMakeCache.txt'))) throw new Error('no source build in build/: run `npm run build:native` first');
  execFileSync('cmake', ['--build', build, '--target', 'fathom-matvec-ceiling'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exe = process.platform === 'win32' ? 'fathom-matvec-ceiling.exe' : 'fathom-matvec-ceiling';
  const found = [path.join(build, exe), path.join(build, 'Release', exe)].find(existsSync);
  if (!found) throw new Error(`built, but ${exe} is not in ${build}`);
  return found;
}

const tool = ceilingTool();
const report = [];
for (const name of values.model ?? DEFAULT_MODELS) {
  const file = await modelFile(name);
  const ceiling = JSON.parse(execFileSync(tool, [file, String(threads), '30'], { encoding: 'utf8' }));
  const tg = [];
  for (let i = 0; i < reps; i++) {
    const request = { engine: 'fathom', model: file, threads, context: 1024, batch: 512, prompt: 16, generate: 128, extras: false };
    tg.push(runInProcess('bench-worker.mjs', [JSON.stringify(request)]).tg);
  }
  report.push({ model: name, threads, ceiling, tg: median(tg), ratio: median(tg) / ceiling.tokensPerSecond });
}

if (values.json) {
  console.log(JSON.stringify({ threads, reps, report }, null, 2));
} else {
  console.log(`fathom tg128 vs ggml's mat-vec ceiling (same weights, ggml's CPU kernels alone), ${threads} threads`);
  for (const row of report) {
    const c = row.ceiling;
    console.log(
      `${row.model.padEnd(22)}tg128 ${row.tg.toFixed(1).padStart(7)} t/s   ceiling ${c.tokensPerSecond.toFixed(1).padStart(7)} t/s (${(c.weightBytes / 1e9).toFixed(2)} GB, ${c.gbPerSecond.toFixed(1)} GB/s)   = ${(row.ratio * 100).toFixed(0)}%`,
    );
  }
}
