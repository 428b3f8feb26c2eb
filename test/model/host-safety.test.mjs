// Embedding safety: the addon works from a worker_threads worker and a child
// process, and load/dispose cycles give their memory back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';

import { loadModel } from '../../dist/index.js';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const INDEX = new URL('../../dist/index.js', import.meta.url).href;
const INDEX_CJS = new URL('../../dist/index.cjs', import.meta.url).pathname;

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

  it('50 load/dispose cycles free every engine object, and RSS grows no more than the same loop without weights (figures printed)', async (t) => {
    // Fresh processes, so earlier tests' allocations do not blur the figures. The control loop does the
    // same JS work with the tokenizer only (vocabOnly: the addon is never loaded): what it grows is
    // Node's own warm-up (JIT tiers and their code pages, V8's heap sizing, its helper threads' malloc
    // arenas), which no library can avoid. The difference between the two is what loading weights,
    // making a context, generating and disposing leave behind.
    const loop = (body, setup = '') => `
      const { loadModel } = await import(${JSON.stringify(INDEX)});
      ${setup}
      const rss = [];
      for (let i = 0; i < 50; i++) {
        ${body}
        global.gc();
        rss.push(process.memoryUsage.rss());
      }
      const addon = globalThis.fathomAddon;
      console.log(JSON.stringify({ rss, live: addon ? addon.liveObjects() : null }));
    `;
    const full = loop(
      `
        const model = await loadModel(${JSON.stringify(STORIES_260K)}, { contextSize: 32768 });
        await model.complete('Once upon a time', { maxTokens: 16, ignoreEos: true });
        await model.dispose();`,
      `
      const { createRequire } = await import('node:module');
      globalThis.fathomAddon = createRequire(import.meta.url)(${JSON.stringify(new URL('../../build/Release/fathom.node', import.meta.url).pathname)});`,
    );
    const control = loop(`
        const model = await loadModel(${JSON.stringify(STORIES_260K)}, { vocabOnly: true });
        model.detokenize(model.tokenize('Once upon a time, there was a little girl named Lily.'));
        await model.dispose();`);
    // --single-threaded: V8 compiles and collects on the main thread, so the timing of its helper threads
    // (whose malloc arenas otherwise vary RSS by a few MiB from run to run) does not blur the comparison.
    const measure = async (script) =>
      JSON.parse(
        (await promisify(execFile)(process.execPath, ['--single-threaded', '--expose-gc', '--input-type=module', '-e', script])).stdout
          .trim()
          .split('\n')
          .pop(),
      );
    const withWeights = await measure(full);
    const without = await measure(control);
    const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);
    const growth = ({ rss }) => rss[49] - rss[0];
    const describe = ({ rss }) => `${mib(rss[0])} -> ${mib(rss[9])} -> ${mib(rss[49])} MiB (+${((growth({ rss }) / rss[0]) * 100).toFixed(1)}%)`;
    const added = growth(withWeights) - growth(without);
    t.diagnostic(
      `RSS after cycles 1, 10, 50 — load, generate, dispose: ${describe(withWeights)}; tokenizer only: ${describe(without)}; ` +
        `added by the engine: ${mib(added)} MiB (${((added / withWeights.rss[0]) * 100).toFixed(1)}% of cycle 1)`,
    );
    assert.deepEqual(withWeights.live, { models: 0, contexts: 0 });
    assert.ok(added < 0.05 * withWeights.rss[0], `the engine's cycles grew RSS ${mib(added)} MiB beyond the control loop's`);
  });
});
