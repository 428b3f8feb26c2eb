// The JS thread stays responsive while a generation runs: all compute is on
// worker threads. A 1 ms interval timer measures how late each tick fires.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { loadModel } from '../../dist/index.js';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const TICK_MS = 1;

describe('event loop during generation', { skip: skipWithoutStories }, () => {
  let model;
  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 2048 });
  });
  after(() => model?.dispose());

  it('timer lag p99 stays under 20 ms while 1500 tokens are generated', async (t) => {
    const lags = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      lags.push(now - last - TICK_MS);
      last = now;
    }, TICK_MS);
    const started = performance.now();
    const result = await model.complete('Once upon a time', { maxTokens: 1500, ignoreEos: true });
    const elapsed = performance.now() - started;
    clearInterval(timer);

    lags.sort((a, b) => a - b);
    const p99 = lags[Math.floor(lags.length * 0.99)];
    const max = lags.at(-1);
    t.diagnostic(
      `event-loop lag over ${lags.length} ticks: p50 ${lags[lags.length >> 1].toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms; ` +
        `${result.tokens.length} tokens in ${elapsed.toFixed(0)} ms`,
    );
    assert.equal(result.tokens.length, 1500);
    assert.ok(lags.length > 10, 'the timer fired during generation');
    assert.ok(p99 < 20, `p99 lag ${p99.toFixed(2)} ms`);
  });
});
