// Several generations on one context: with sequences they are decoded in the
// same batches and give the tokens each gives alone; cached prefixes are reused;
// more generations than sequences still all finish; abandoned ones hold nothing.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';

import { loadModel } from '../../dist/index.js';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const PROMPTS = ['Once upon a time', 'Tom and his dog went to the', 'Lily'];
const N = 64;

describe('concurrent generations', { skip: skipWithoutStories }, () => {
  let model;
  let alone;

  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 256 });
    alone = [];
    for (const prompt of PROMPTS) alone.push((await model.complete(prompt, { maxTokens: N, ignoreEos: true })).tokens);
  });
  after(() => model?.dispose());

  it('two at once on one sequence: one after the other, each prompt evaluated once, the same tokens as alone', async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 1 });
    try {
      const results = await Promise.all(PROMPTS.slice(0, 2).map((p) => context.complete(p, { maxTokens: N, ignoreEos: true })));
      assert.deepEqual(
        results.map((r) => r.tokens),
        alone.slice(0, 2),
      );
      // Each prompt once, then one token per step (the last sampled token of each is never evaluated);
      // alternating between the two re-evaluated a whole history at every switch (thousands of tokens).
      const prompts = results.reduce((n, r) => n + r.promptTokens, 0);
      const { tokensEvaluated } = context.stats;
      assert.ok(tokensEvaluated <= prompts + 2 * (N - 1), `${tokensEvaluated} tokens evaluated for ${prompts} prompt tokens and 2 x ${N} generated`);
    } finally {
      await context.dispose();
    }
  });

  it('two at once on two sequences: the same tokens as alone, decoded in shared batches', async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 2 });
    try {
      const before = context.stats;
      const results = await Promise.all(PROMPTS.slice(0, 2).map((p) => context.complete(p, { maxTokens: N, ignoreEos: true })));
      assert.deepEqual(
        results.map((r) => r.tokens),
        alone.slice(0, 2),
      );
      const batches = context.stats.batches - before.batches;
      // Alone each needs N batches (prompt + N-1 steps); shared, N for both.
      assert.ok(batches <= N + 1, `${batches} batches for 2 x ${N} tokens`);
    } finally {
      await context.dispose();
    }
  });

  it('together finish sooner than one after the other (figure printed, not asserted)', async (t) => {
    const context = await model.createContext({ contextSize: 512, sequences: 2 });
    try {
      const options = { maxTokens: 256, ignoreEos: true };
      await context.complete(PROMPTS[0], { maxTokens: 4 }); // warm up
      let start = performance.now();
      for (const p of PROMPTS.slice(0, 2)) await context.complete(p, options);
      const sequential = performance.now() - start;
      start = performance.now();
      await Promise.all(PROMPTS.slice(0, 2).map((p) => context.complete(p, options)));
      const together = performance.now() - start;
      t.diagnostic(
        `2 x 256 tokens: one after the other ${sequential.toFixed(0)} ms, together ${together.toFixed(0)} ms (${(sequential / together).toFixed(2)}x)`,
      );
    } finally {
      await context.dispose();
    }
  });

  it('three generations on two sequences all finish with their own tokens', async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 2 });
    try {
      const results = await Promise.all(PROMPTS.map((p) => context.complete(p, { maxTokens: N, ignoreEos: true })));
      assert.deepEqual(
        results.map((r) => r.tokens),
        alone,
      );
    } finally {
      await context.dispose();
    }
  });

  it('a prompt whose prefix is cached evaluates only the new tokens', async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 2 });
    try {
      const first = await context.complete(PROMPTS[0], { maxTokens: 20, ignoreEos: true });
      const prompt = [...model.tokenize(PROMPTS[0]), ...first.tokens];
      const before = context.stats.tokensEvaluated;
      // The cache holds the prompt and 19 of the generated tokens (the last was sampled, not evaluated).
      await context.complete([...prompt, ...model.tokenize(' The end', { addBos: false })], { maxTokens: 1 });
      const evaluated = context.stats.tokensEvaluated - before;
      assert.equal(evaluated, 1 + model.tokenize(' The end', { addBos: false }).length);
    } finally {
      await context.dispose();
    }
  });

  it('an abandoned generation holds no sequence', async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 1 });
    try {
      const abandoned = context.generate(PROMPTS[0], { ignoreEos: true });
      await abandoned.next();
      const result = await context.complete(PROMPTS[1], { maxTokens: N, ignoreEos: true });
      assert.deepEqual(result.tokens, alone[1]);
      // And the abandoned one can still go on, exactly.
      const rest = await abandoned.next();
      assert.equal(rest.done, false);
    } finally {
      await context.dispose();
    }
  });

  it('aborting one of two generations in a batch leaves the other exact', async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 2 });
    try {
      const controller = new AbortController();
      let seen = 0;
      const aborted = (async () => {
        for await (const chunk of context.generate(PROMPTS[0], { ignoreEos: true, signal: controller.signal })) {
          seen += chunk.tokens.length;
          if (seen >= 5) controller.abort();
        }
      })();
      const other = context.complete(PROMPTS[1], { maxTokens: N, ignoreEos: true });
      await assert.rejects(aborted, (e) => e.code === 'ABORTED');
      assert.ok(seen <= 6, `saw ${seen} tokens after aborting at 5`);
      assert.deepEqual((await other).tokens, alone[1]);
    } finally {
      await context.dispose();
    }
  });

  it('a disposed context rejects with DISPOSED; the model and other contexts go on', async () => {
    const context = await model.createContext({ contextSize: 64 });
    const running = context.complete(PROMPTS[0], { maxTokens: 1000, ignoreEos: true, contextShift: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await context.dispose();
    await assert.rejects(running, (e) => e.code === 'DISPOSED');
    await assert.rejects(context.complete('hi'), (e) => e.code === 'DISPOSED');
    assert.deepEqual((await model.complete(PROMPTS[2], { maxTokens: N, ignoreEos: true })).tokens, alone[2]);
  });

  it('small batches: prompts split over several graphs, two sequences at once, equal to single runs', async () => {
    // batchSize 8 with 20-token prompts: graphs that produce no logits, and graphs holding two sequences' tokens.
    const prompts = ['Once upon a time, there was a little girl named Lily. She', 'Tom and his dog went to the park to play with a big red ball.'];
    const context = await model.createContext({ contextSize: 256, sequences: 2, batchSize: 8 });
    try {
      const expected = [];
      for (const p of prompts) expected.push((await model.complete(p, { maxTokens: 24, ignoreEos: true })).tokens);
      const together = await Promise.all(prompts.map((p) => context.complete(p, { maxTokens: 24, ignoreEos: true })));
      assert.deepEqual(
        together.map((r) => r.tokens),
        expected,
      );
      // An abort in the middle of a multi-graph prompt leaves the sequence usable and exact.
      const controller = new AbortController();
      const long = model.tokenize(prompts[0].repeat(4));
      const aborted = context.complete(long, { maxTokens: 4, signal: controller.signal });
      setImmediate(() => controller.abort());
      assert.equal((await aborted).finishReason, 'abort');
      assert.deepEqual((await context.complete(prompts[1], { maxTokens: 24, ignoreEos: true })).tokens, expected[1]);
    } finally {
      await context.dispose();
    }
  });

  it('a step that cannot fit fails alone; the generation sharing its batch goes on', async () => {
    const context = await model.createContext({ contextSize: 40, sequences: 2 });
    try {
      const short = context.complete(PROMPTS[2], { maxTokens: 20, ignoreEos: true });
      const full = context.complete(PROMPTS[0], { ignoreEos: true }); // runs into the end of its sequence
      await assert.rejects(full, (e) => e.code === 'CONTEXT_FULL');
      assert.deepEqual((await short).tokens, alone[2].slice(0, 20));
      // With a context shift it goes on as long as asked, even past many shifts.
      const shifted = await context.complete(PROMPTS[0], { maxTokens: 200, ignoreEos: true, contextShift: true });
      assert.equal(shifted.tokens.length, 200);
    } finally {
      await context.dispose();
    }
  });

  it('rejects bad context options', async () => {
    for (const sequences of [0, 1.5, -1, 257]) {
      await assert.rejects(model.createContext({ sequences }), (e) => e.code === 'INVALID_ARGUMENT', String(sequences));
    }
  });
});
