// `fathom quantize` writes files that node-llama-cpp loads and that give the same
// greedy tokens in both engines; the type mix follows llama.cpp's presets.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

import { inspectGguf, loadTokenizer } from '../../dist/index.js';
import { fathomGreedy, llamaCppGreedy } from '../helpers/compare.mjs';
import { ROOT, scratchDir, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';
import { syntheticModel } from '../helpers/synthetic.mjs';

const dir = scratchDir();

async function quantize(input, preset) {
  const output = path.join(dir, `${path.basename(input, '.gguf')}-${preset}.gguf`);
  await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'quantize', input, output, '--type', preset]);
  return output;
}

async function sameGreedyTokens(model, prompt) {
  const ref = await llamaCppGreedy(model, prompt, 32);
  const tokenizer = await loadTokenizer(model);
  assert.deepEqual(tokenizer.tokenize(prompt, { addEos: false }), ref.promptTokens);
  const forced = ref.steps.map((s) => s.token);
  const { generated } = await fathomGreedy(model, ref.promptTokens, forced);
  assert.deepEqual(generated, forced);
}

describe('fathom quantize', () => {
  for (const preset of ['q4_k_m', 'q5_k_s', 'q8_0', 'q4_0']) {
    it(`${preset} of a synthetic F32 llama loads in node-llama-cpp and gives the same greedy tokens`, async () => {
      const output = await quantize(await syntheticModel({ type: 'F32' }), preset);
      await sameGreedyTokens(output, 'Hello world, this is');
    });
  }

  it('q8_0 of the real stories260K model gives the same greedy tokens in both', { skip: skipWithoutStories }, async () => {
    await sameGreedyTokens(await quantize(STORIES_260K, 'q8_0'), 'Once upon a time');
  });

  it('q4_k_m gives the output head and the chosen attn_v / ffn_down layers Q6_K, the rest Q4_K', async () => {
    const info = await inspectGguf(await quantize(await syntheticModel({ type: 'F32' }), 'q4_k_m'));
    const type = (name) => info.tensors.find((t) => t.name === name).type;
    assert.equal(type('output.weight'), 'Q6_K');
    assert.equal(type('blk.0.attn_q.weight'), 'Q4_K');
    // With 2 layers, llama.cpp's "more bits" rule picks the last layer only.
    assert.equal(type('blk.0.attn_v.weight'), 'Q4_K');
    assert.equal(type('blk.1.attn_v.weight'), 'Q6_K');
    assert.equal(type('blk.1.ffn_down.weight'), 'Q6_K');
    assert.equal(type('blk.0.attn_norm.weight'), 'F32');
    assert.equal(info.metadata['general.file_type'], 15);
  });

  it('an unknown preset is INVALID_ARGUMENT naming it', async () => {
    const { quantizeFile } = await import('../../dist/index.js');
    await assert.rejects(
      quantizeFile(await syntheticModel({ type: 'F32' }), path.join(dir, 'x.gguf'), 'q9_z'),
      (e) => e.code === 'INVALID_ARGUMENT' && /q9_z/.test(e.message),
    );
  });
});
