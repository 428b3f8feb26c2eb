// Bad files and bad arguments reject with a typed FathomError; the process lives on.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { FathomError, inspectGguf, loadModel } from '../../dist/index.js';
import { scratchDir, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

async function rejectsWith(promise, code, pattern) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof FathomError, `expected FathomError, got ${error}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  });
}

function throwsWith(fn, code) {
  assert.throws(fn, (error) => error instanceof FathomError && error.code === code);
}

describe('bad files', () => {
  const dir = scratchDir();

  it('a missing path is FILE_NOT_FOUND naming the path', async () => {
    const missing = path.join(dir, 'nope.gguf');
    await rejectsWith(loadModel(missing), 'FILE_NOT_FOUND', /nope\.gguf/);
    await rejectsWith(inspectGguf(missing), 'FILE_NOT_FOUND', /nope\.gguf/);
  });

  it('a non-GGUF file is INVALID_GGUF', async () => {
    const text = path.join(dir, 'text.gguf');
    writeFileSync(text, 'this is not a model\n'.repeat(10));
    await rejectsWith(loadModel(text), 'INVALID_GGUF', /text\.gguf/);
    await rejectsWith(inspectGguf(text), 'INVALID_GGUF');
  });

  it('an empty file is INVALID_GGUF', async () => {
    const empty = path.join(dir, 'empty.gguf');
    writeFileSync(empty, '');
    await rejectsWith(loadModel(empty), 'INVALID_GGUF');
  });

  it('a directory is FILE_NOT_FOUND', async () => {
    await rejectsWith(loadModel(dir), 'FILE_NOT_FOUND');
  });

  describe('truncated copies of a real model', { skip: skipWithoutStories }, () => {
    const size = skipWithoutStories ? 0 : readFileSync(STORIES_260K).length;
    // Cut inside the header, inside the tensor table, and inside the weights.
    for (const keep of [6, 100, 20_000, Math.floor(size / 2), size - 1]) {
      it(`cut to ${keep} bytes is INVALID_GGUF`, async () => {
        const file = path.join(dir, `cut-${keep}.gguf`);
        copyFileSync(STORIES_260K, file);
        truncateSync(file, keep);
        await rejectsWith(loadModel(file), 'INVALID_GGUF');
        await rejectsWith(inspectGguf(file), 'INVALID_GGUF');
      });
    }

    it('the native loader alone also rejects a file truncated inside the weights', async () => {
      // Bypass the TS header check by corrupting only the weights' length: same header, fewer bytes.
      const { loadAddon } = await import('../helpers/native.mjs');
      const file = path.join(dir, 'cut-native.gguf');
      copyFileSync(STORIES_260K, file);
      truncateSync(file, size - 1);
      await rejectsWith(loadAddon().loadModel(file), 'INVALID_GGUF', /truncated/);
    });
  });
});

describe('bad arguments and states', { skip: skipWithoutStories }, () => {
  let model;
  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 64 });
  });
  after(() => model?.dispose());

  it('rejects out-of-range sampling options', async () => {
    for (const options of [
      { temperature: -1 },
      { temperature: NaN },
      { topK: 1.5 },
      { topP: 0 },
      { minP: 2 },
      { maxTokens: -1 },
      { seed: -3 },
      { stop: [''] },
    ]) {
      await rejectsWith(model.complete('Hi', options), 'INVALID_ARGUMENT');
    }
  });

  it('rejects token ids outside the vocabulary', async () => {
    await rejectsWith(model.complete([1, 100000]), 'INVALID_ARGUMENT', /100000/);
    await rejectsWith(model.complete([]), 'INVALID_ARGUMENT');
    throwsWith(() => model.detokenize([-1]), 'INVALID_ARGUMENT');
  });

  it('rejects bad load options', async () => {
    await rejectsWith(loadModel(STORIES_260K, { threads: 0 }), 'INVALID_ARGUMENT');
    await rejectsWith(loadModel(STORIES_260K, { threads: 100000 }), 'INVALID_ARGUMENT', /threads/);
    await rejectsWith(loadModel(STORIES_260K, { contextSize: 2 ** 30 }), 'INVALID_ARGUMENT', /contextSize/);
    await rejectsWith(loadModel(STORIES_260K, { contextSize: 1.5 }), 'INVALID_ARGUMENT');
  });

  it('a prompt longer than the context is CONTEXT_FULL', async () => {
    await rejectsWith(model.complete(new Array(65).fill(1)), 'CONTEXT_FULL');
  });

  it('a full context rejects with CONTEXT_FULL after streaming every token that fit', async () => {
    const prompt = model.tokenize('Once upon a time');
    const tokens = [];
    await rejectsWith(
      (async () => {
        for await (const chunk of model.generate(prompt, { ignoreEos: true })) tokens.push(...chunk.tokens);
      })(),
      'CONTEXT_FULL',
    );
    assert.equal(prompt.length + tokens.length, 65); // 64 evaluated + the last sampled token
    await rejectsWith(model.complete('Once upon a time', { ignoreEos: true }), 'CONTEXT_FULL');
  });

  it('contextShift: true generates past the end of the context', async () => {
    const result = await model.complete('Once upon a time', { ignoreEos: true, maxTokens: 150, contextShift: true });
    assert.equal(result.finishReason, 'length');
    assert.equal(result.tokens.length, 150);
  });

  it('an aborted signal ends complete() with finishReason "abort" and generate() with ABORTED', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await model.complete('Once upon a time', { signal: controller.signal });
    assert.equal(result.finishReason, 'abort');
    await rejectsWith(model.generate('Once', { signal: controller.signal }).next(), 'ABORTED');
  });

  it('aborting mid-generation stops within one token', async () => {
    const controller = new AbortController();
    let seen = 0;
    await rejectsWith(
      (async () => {
        for await (const chunk of model.generate('Once upon a time', { ignoreEos: true, signal: controller.signal })) {
          seen += chunk.tokens.length;
          if (seen >= 3) controller.abort();
        }
      })(),
      'ABORTED',
    );
    assert.ok(seen >= 3 && seen <= 4, `saw ${seen} tokens`);
  });

  it('a disposed model rejects with DISPOSED', async () => {
    const m = await loadModel(STORIES_260K, { contextSize: 32 });
    await m.dispose();
    throwsWith(() => m.tokenize('hi'), 'DISPOSED');
    await rejectsWith(m.complete('hi'), 'DISPOSED');
    await m.dispose(); // twice is fine
  });

  it('disposing during a generation stops it with DISPOSED', async () => {
    const m = await loadModel(STORIES_260K, { contextSize: 256 });
    const run = (async () => {
      for await (const chunk of m.generate('Once upon a time', { ignoreEos: true })) {
        if (chunk.tokens.length) await m.dispose();
      }
    })();
    await rejectsWith(run, 'DISPOSED');
  });
});
