// Runs one model file in both engines for a comparison: node-llama-cpp's greedy tokens
// with top-5 probabilities per step (child process), and ours along the same path.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './fixtures.mjs';
import { loadAddon } from './native.mjs';

/** node-llama-cpp: { promptTokens, steps: [{ token, top: [[id, p], ...] }] }. */
export async function llamaCppGreedy(model, prompt, steps) {
  const script = path.join(ROOT, 'test', 'reference', 'llama-cpp-probs.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [script, JSON.stringify({ model, prompt, maxTokens: steps, topK: 5 })]);
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Ours: next-token probabilities (top 64) along `forced` (teacher forcing), and our own greedy tokens. */
export async function fathomGreedy(model, promptTokens, forced) {
  const addon = loadAddon();
  const native = await addon.loadModel(model);
  const context = await native.createContext({ contextSize: 256, threads: 1 });
  const greedy = new addon.NativeSampler({ temperature: 0 });
  const probabilities = [];
  let input = promptTokens;
  for (const token of forced) {
    const [step] = await context.evaluate([{ sequence: 0, tokens: Int32Array.from(input), sampler: greedy, topK: 64 }]);
    probabilities.push(new Map([...step.ids].map((id, i) => [id, Math.exp(step.logprobs[i])])));
    input = [token];
  }
  context.truncate(0, 0);
  const generated = [];
  input = promptTokens;
  for (let i = 0; i < forced.length; i++) {
    const [{ token }] = await context.evaluate([{ sequence: 0, tokens: Int32Array.from(input), sampler: greedy }]);
    generated.push(token);
    input = [token];
  }
  context.dispose();
  native.dispose();
  return { probabilities, generated };
}
