// Corrupted copies of a real model — random header bytes, and hyperparameters
// set to hostile values — either load and run or reject with a FathomError.
// A crash (ggml abort) would take this test process down and fail the suite.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { FathomError, loadModel } from '../../dist/index.js';
import { scratchDir, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';
import { loadAddon } from '../helpers/native.mjs';

const HOSTILE_U32 = [0, 1, 3, 7, 9, 63, 65, 511, 512, 100_000, 0x7fffffff, 0xffffffff];
const KEYS = [
  'llama.context_length',
  'llama.embedding_length',
  'llama.feed_forward_length',
  'llama.attention.head_count',
  'llama.attention.head_count_kv',
  'llama.block_count',
  'llama.rope.dimension_count',
  'tokenizer.ggml.bos_token_id',
];
const HOSTILE_F32 = [0, -1, NaN, Infinity, 1e30];

/** Loads through the TS API and straight through the addon (skipping the TS header checks), and runs a few tokens. */
async function loadsOrRejectsTyped(file) {
  const outcomes = [];
  for (const attempt of [
    async () => {
      const model = await loadModel(file, { contextSize: 16, threads: 1 });
      try {
        await model.complete('Once', { maxTokens: 2 });
      } finally {
        await model.dispose();
      }
    },
    async () => {
      const model = await loadAddon().loadModel(file);
      try {
        const context = await model.createContext({ contextSize: 16, threads: 1 });
        await context.evaluate([{ sequence: 0, tokens: Int32Array.of(1, 2, 3) }]);
        context.dispose();
      } finally {
        model.dispose();
      }
    },
  ]) {
    try {
      await attempt();
      outcomes.push('ok');
    } catch (error) {
      assert.ok(error instanceof FathomError, `untyped error for ${file}: ${error}`);
      outcomes.push(error.code);
    }
  }
  return outcomes;
}

describe('corrupted model files never crash the process', { skip: skipWithoutStories }, () => {
  const dir = scratchDir();
  const original = skipWithoutStories ? Buffer.alloc(0) : readFileSync(STORIES_260K);

  it('hostile hyperparameter values', async () => {
    const seen = new Set();
    for (const key of KEYS) {
      const at = original.indexOf(Buffer.from(key)) + key.length;
      const type = original.readUInt32LE(at);
      const values = type === 6 ? HOSTILE_F32 : HOSTILE_U32;
      for (const value of values) {
        const copy = Buffer.from(original);
        if (type === 6) copy.writeFloatLE(value, at + 4);
        else copy.writeUInt32LE(value, at + 4);
        const file = path.join(dir, 'hostile.gguf');
        writeFileSync(file, copy);
        for (const outcome of await loadsOrRejectsTyped(file)) seen.add(outcome);
      }
    }
    assert.ok(seen.has('INVALID_GGUF'), 'some values were rejected');
  });

  it('random bytes in the header', async () => {
    let state = 12345; // fixed LCG seed: the same corruptions every run
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const headerBytes = original.indexOf(Buffer.from('blk.4.ffn_norm.weight')) + 64;
    for (let i = 0; i < 40; i++) {
      const copy = Buffer.from(original);
      for (let j = 0; j < 3; j++) copy[Math.floor(random() * headerBytes)] = Math.floor(random() * 256);
      const file = path.join(dir, `random-${i}.gguf`);
      writeFileSync(file, copy);
      await loadsOrRejectsTyped(file);
    }
  });
});
