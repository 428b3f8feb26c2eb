// What every benchmark script shares: running one measurement in its own Node process (so its
// memory and threads are its own) and taking medians. No measuring here.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Runs scripts/<script> with `args` in a fresh Node process; returns the JSON of its last output line. */
export function runInProcess(script, args) {
  const out = execFileSync(process.execPath, [path.join(HERE, script), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}

/** The value at fraction q of the sorted values (NaN for none): q = 0.99 is the p99. */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** The middle value (the upper one of the two middles for an even count). */
export const median = (xs) => quantile(xs, 0.5);
