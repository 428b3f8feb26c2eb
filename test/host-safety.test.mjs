// Embedding safety: the addon works from a worker_threads worker and a child
// process, and load/dispose cycles give their memory back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

import { loadModel } from '../dist/index.js';
import { skipWithoutStories, STORIES_260K } from './helpers/fixtures.mjs';

const INDEX = new URL('../dist/index.js', import.meta.url).href;
const INDEX_CJS = new URL('../dist/index.cjs', import.meta.url).pathname;

// Generates 24 greedy tokens and reports them (run inside a worker or child process).
const SCRIPT = (load) => `
  const { loadModel } = ${load};
  const model = await loadModel(${JSON.stringify(STORIES_260K)}, { contextSize: 128 });
  const result = await model.complete('Once upon a time', { maxTokens: 24, ignoreEos: true });
  await model.dispose();
  return result.tokens;
`;

function inWorker(code) {
  return new Promise((resolve, reject) => {
    const source = `const { parentPort } = require('node:worker_threads');
      (async () => { ${code} })().then((v) => parentPort.postMessage({ ok: v }), (e) => parentPort.postMessage({ error: e.code + ': ' + e.message }));`;
    const worker = new Worker(source, { eval: true });
    worker.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m.ok)));
    worker.once('error', reject);
  });
}

describe('host safety', { skip: skipWithoutStories }, () => {
  let expected;

  it('generates the same tokens in a worker_threads worker (ESM and CJS) and in a child process', async () => {
    const model = await loadModel(STORIES_260K, { contextSize: 128 });
    expected = (await model.complete('Once upon a time', { maxTokens: 24, ignoreEos: true })).tokens;
    await model.dispose();

    assert.deepEqual(await inWorker(SCRIPT(`await import(${JSON.stringify(INDEX)})`)), expected);
    assert.deepEqual(await inWorker(SCRIPT(`require(${JSON.stringify(INDEX_CJS)})`)), expected);
    // Two workers at once, each with its own model.
    const both = await Promise.all([1, 2].map(() => inWorker(SCRIPT(`await import(${JSON.stringify(INDEX)})`))));
    assert.deepEqual(both, [expected, expected]);

    const child = `(async () => { const tokens = await (async () => { ${SCRIPT(`await import(${JSON.stringify(INDEX)})`)} })(); console.log(JSON.stringify(tokens)); })()`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', child]);
    assert.deepEqual(JSON.parse(stdout.trim()), expected);
  });

  it('a worker that exits while generating takes nothing down with it', async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       (async () => {
         const { loadModel } = await import(${JSON.stringify(INDEX)});
         const model = await loadModel(${JSON.stringify(STORIES_260K)}, { contextSize: 2048 });
         parentPort.postMessage('generating');
         await model.complete('Once upon a time', { maxTokens: 2000, ignoreEos: true });
       })();`,
      { eval: true },
    );
    await new Promise((resolve) => worker.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.terminate();
    // This process goes on generating.
    const model = await loadModel(STORIES_260K, { contextSize: 128 });
    assert.equal((await model.complete('Once upon a time', { maxTokens: 24, ignoreEos: true })).tokens.length, 24);
    await model.dispose();
  });

  it('50 load/dispose cycles free every engine object; RSS levels off (figures printed)', async (t) => {
    // A fresh process, so earlier tests' allocations do not blur the figures.
    const script = `
      const { loadModel } = await import(${JSON.stringify(INDEX)});
      const { createRequire } = await import('node:module');
      const addon = createRequire(import.meta.url)(${JSON.stringify(new URL('../build/Release/fathom.node', import.meta.url).pathname)});
      const rss = [];
      for (let i = 0; i < 50; i++) {
        const model = await loadModel(${JSON.stringify(STORIES_260K)}, { contextSize: 32768 });
        await model.complete('Once upon a time', { maxTokens: 16, ignoreEos: true });
        await model.dispose();
        global.gc();
        rss.push(process.memoryUsage.rss());
      }
      console.log(JSON.stringify({ rss, live: addon.liveObjects() }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', script]);
    const { rss, live } = JSON.parse(stdout.trim().split('\n').pop());
    const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
    const [first, tenth, last] = [rss[0], rss[9], rss[49]];
    t.diagnostic(`RSS after cycle 1: ${mib(first)} MiB, 10: ${mib(tenth)} MiB, 50: ${mib(last)} MiB (${(((last - first) / first) * 100).toFixed(1)}% since cycle 1, ${(((last - tenth) / tenth) * 100).toFixed(1)}% since cycle 10)`);
    assert.deepEqual(live, { models: 0, contexts: 0 });
    // Contexts and models are counted above. Keeping each cycle's mapped weights (1 MiB, all read)
    // would add 50 MiB; what remains is the JS engine's and the allocator's warm-up, which levels off.
    assert.ok(last - first < 40 * 2 ** 20, `RSS grew ${mib(last - first)} MiB over 50 cycles`);
    assert.ok(last - tenth < 20 * 2 ** 20, `RSS grew ${mib(last - tenth)} MiB from cycle 10 to 50`);
  });
});
