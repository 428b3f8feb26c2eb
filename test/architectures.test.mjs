// Synthetic models in each weight type give llama.cpp's numbers: the same greedy
// tokens, and at every step (with both engines fed the same tokens) the same
// top-5 probabilities — within 1e-3 for F32/F16 and 1e-2 for quantized types.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { loadTokenizer } from '../dist/index.js';
import { ROOT } from './helpers/fixtures.mjs';
import { loadAddon } from './helpers/native.mjs';
import { syntheticModel } from './helpers/synthetic.mjs';

const PROMPT = 'Hello world, this is';
const STEPS = 32;
const TYPES = { F32: 1e-3, F16: 1e-3, Q8_0: 1e-2, Q4_0: 1e-2, Q4_K: 1e-2, Q6_K: 1e-2 };
// Every other weight type ggml quantizes without an importance matrix, on the llama block.
const MORE_TYPES = { BF16: 1e-3, Q4_1: 1e-2, Q5_0: 1e-2, Q5_1: 1e-2, Q2_K: 1e-2, Q3_K: 1e-2, Q5_K: 1e-2, IQ4_NL: 1e-2, IQ4_XS: 1e-2 };

async function reference(model) {
  const script = path.join(ROOT, 'test', 'reference', 'llama-cpp-probs.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [script, JSON.stringify({ model, prompt: PROMPT, maxTokens: STEPS, topK: 5 })]);
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Our probabilities along the reference's path (teacher forcing), and our own greedy tokens. */
async function ours(model, promptTokens, forced) {
  const addon = loadAddon();
  const native = await addon.loadModel(model);
  const context = await native.createContext({ contextSize: 256, threads: 1 });
  const greedy = new addon.NativeSampler({ temperature: 0 });
  const probabilities = [];
  let input = promptTokens;
  for (const token of forced) {
    const step = await context.evaluate(Int32Array.from(input), greedy, 64);
    probabilities.push(new Map([...step.ids].map((id, i) => [id, Math.exp(step.logprobs[i])])));
    input = [token];
  }
  context.truncate(0);
  const generated = [];
  input = promptTokens;
  for (let i = 0; i < forced.length; i++) {
    const step = await context.evaluate(Int32Array.from(input), greedy);
    generated.push(step);
    input = [step];
  }
  context.dispose();
  native.dispose();
  return { probabilities, generated };
}

const CASES = [
  ...Object.keys({ ...TYPES, ...MORE_TYPES }).map((type) => ({ architecture: 'llama', type })),
  ...['qwen2', 'qwen3', 'phi3'].flatMap((architecture) => ['F32', 'Q8_0', 'Q4_K'].map((type) => ({ architecture, type }))),
  { architecture: 'llama', type: 'F32', ropeFactors: true },
];

describe('synthetic tiny models against node-llama-cpp', () => {
  for (const { architecture, type, ropeFactors = false } of CASES) {
    const tolerance = TYPES[type] ?? MORE_TYPES[type];
    const label = `${architecture}${ropeFactors ? ' (RoPE frequency factors)' : ''} ${type}`;
    it(`${label}: top-5 probabilities within ${tolerance} at each of ${STEPS} steps, same greedy tokens`, async (t) => {
      // Phi-3 files get llama.cpp's Phi-3 special-token rules, which need the Phi-3 vocabulary.
      const model = await syntheticModel({ architecture, type, ropeFactors, vocab: architecture === 'phi3' ? 'phi-3' : 'llama-spm' });
      const ref = await reference(model);
      const tokenizer = await loadTokenizer(model);
      assert.deepEqual(tokenizer.tokenize(PROMPT, { addEos: false }), ref.promptTokens);
      const forced = ref.steps.map((s) => s.token);
      const { probabilities, generated } = await ours(model, ref.promptTokens, forced);
      let worst = 0;
      ref.steps.forEach((step, i) => {
        for (const [id, p] of step.top) {
          const mine = probabilities[i].get(id) ?? 0;
          worst = Math.max(worst, Math.abs(mine - p));
          assert.ok(Math.abs(mine - p) <= tolerance, `step ${i} token ${id}: ours ${mine}, llama.cpp ${p}`);
        }
      });
      t.diagnostic(`max |Δp| against llama.cpp over ${STEPS} steps: ${worst.toExponential(2)}`);
      assert.deepEqual(generated, forced);
    });
  }
});
