// The sampler chain: seeded runs, penalties, logit bias and XTC against
// node-llama-cpp (same llama.cpp samplers); DRY, typical-p and logprobs by
// their defining properties; bad values rejected with INVALID_ARGUMENT.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { loadModel } from '../../dist/index.js';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';
import { llamaCppReference } from '../helpers/reference.mjs';

const PROMPT = 'Once upon a time';
const N = 48;

// Each case: our options, and node-llama-cpp's for the same chain.
const CASES = {
  // top_k -> top_p -> temperature -> draw with a fixed seed: the same RNG draws in both.
  seeded: { ours: { temperature: 0.8, topK: 40, topP: 0.95, seed: 1234 }, theirs: { options: { temperature: 0.8, topK: 40, topP: 0.95, seed: 1234 } } },
  // (node-llama-cpp turns topK 0 into a full sort where llama.cpp skips top-k, so both cases set topK.)
  seededMinP: { ours: { temperature: 1.1, topK: 100, minP: 0.05, seed: 77 }, theirs: { options: { temperature: 1.1, topK: 100, minP: 0.05, seed: 77 } } },
  // topK above 128: llama.cpp's bucket pre-sort, whose order the draw depends on.
  seededWideTopK: { ours: { temperature: 0.9, topK: 300, topP: 0.9, seed: 9 }, theirs: { options: { temperature: 0.9, topK: 300, topP: 0.9, seed: 9 } } },
  penalties: {
    ours: { repeatPenalty: 1.3, frequencyPenalty: 0.2, presencePenalty: 0.1, penaltyLastN: 64 },
    theirs: { options: { temperature: 0 }, penalties: { lastN: 64, penalty: 1.3, frequencyPenalty: 0.2, presencePenalty: 0.1 } },
  },
  bias: {
    // 376 and 421 are greedy picks for this prompt; 300 is not.
    ours: { logitBias: { 376: -2.5, 300: 1.5, 421: -Infinity } },
    theirs: {
      options: { temperature: 0 },
      tokenBias: [
        [376, -2.5],
        [300, 1.5],
        [421, -Infinity],
      ],
    },
  },
  // Probability 1: every step drops the likely tokens but the least likely of them (no RNG involved).
  xtc: { ours: { xtc: { probability: 1, threshold: 0.1 } }, theirs: { options: { temperature: 0, xtc: { probability: 1, threshold: 0.1 }, seed: 5 } } },
};

async function tokensOf(model, options) {
  const result = await model.complete(PROMPT, { maxTokens: N, ignoreEos: true, ...options });
  return result.tokens;
}

// Length of the longest token run that occurs twice (overlaps allowed).
function longestRepeat(tokens) {
  let best = 0;
  for (let shift = 1; shift < tokens.length; shift++) {
    let run = 0;
    for (let i = shift; i < tokens.length; i++) {
      run = tokens[i] === tokens[i - shift] ? run + 1 : 0;
      best = Math.max(best, run);
    }
  }
  return best;
}

describe('sampling', { skip: skipWithoutStories }, () => {
  let model;
  let reference;

  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 256, threads: 1 });
    reference = await llamaCppReference({
      model: STORIES_260K,
      contextSize: 256,
      sampled: Object.values(CASES).map((c) => ({ prompt: PROMPT, maxTokens: N, ...c.theirs })),
    });
  });
  after(() => model?.dispose());

  Object.keys(CASES).forEach((name, i) => {
    it(`${name}: the same tokens as node-llama-cpp with the same settings`, async () => {
      const ours = await tokensOf(model, CASES[name].ours);
      assert.deepEqual(ours, reference.sampled[i]);
    });
  });

  it('settings that change the distribution change the output (the cases are not all greedy)', async () => {
    const greedy = await tokensOf(model, {});
    for (const name of ['seeded', 'penalties', 'bias', 'xtc']) {
      assert.notDeepEqual(await tokensOf(model, CASES[name].ours), greedy, name);
    }
  });

  it('the same seed gives the same output; another seed another', async () => {
    const options = { temperature: 1, seed: 42 };
    const a = await tokensOf(model, options);
    assert.deepEqual(await tokensOf(model, options), a);
    assert.notDeepEqual(await tokensOf(model, { ...options, seed: 43 }), a);
  });

  it('a -Infinity logit bias bans a token', async () => {
    const greedy = await tokensOf(model, {});
    const banned = greedy[3];
    const tokens = await tokensOf(model, { logitBias: new Map([[banned, -Infinity]]) });
    assert.ok(!tokens.includes(banned), `token ${banned} was generated`);
  });

  it('DRY stops the verbatim repeats greedy decoding falls into', async () => {
    const prompt = 'Tom said, "I like the red ball." Tom said, "I like the red ball." Tom said, "I like the red ball."';
    const run = async (options) => (await model.complete(prompt, { maxTokens: 60, ignoreEos: true, ...options })).tokens;
    const plainRepeat = longestRepeat(await run({}));
    const dryRepeat = longestRepeat(await run({ dry: { multiplier: 0.8 } }));
    assert.ok(plainRepeat >= 8, `greedy's longest repeat is ${plainRepeat} tokens`);
    assert.ok(dryRepeat < plainRepeat / 2, `DRY's longest repeat is ${dryRepeat} tokens (greedy ${plainRepeat})`);
  });

  it('typical-p near 0 keeps one token, so the seed no longer matters', async () => {
    const options = { temperature: 1.5, typicalP: 1e-6 };
    assert.deepEqual(await tokensOf(model, { ...options, seed: 1 }), await tokensOf(model, { ...options, seed: 2 }));
  });

  it('logprobs: each chunk carries its tokens with log-probabilities and alternatives', async () => {
    const chunks = [];
    for await (const chunk of model.generate(PROMPT, { maxTokens: 12, logprobs: 3, ignoreEos: true })) chunks.push(chunk);
    const entries = chunks.flatMap((c) => c.logprobs);
    assert.deepEqual(
      entries.map((e) => e.token),
      chunks.flatMap((c) => c.tokens),
    );
    for (const entry of entries) {
      assert.equal(entry.top.length, 3);
      // Greedy picks the most likely token: its log-probability is the first alternative's.
      assert.equal(entry.top[0].token, entry.token);
      assert.ok(Math.abs(entry.logprob - entry.top[0].logprob) < 1e-6);
      assert.ok(entry.top[0].logprob >= entry.top[1].logprob && entry.top[1].logprob >= entry.top[2].logprob);
      assert.ok(entry.logprob <= 0 && entry.top.reduce((s, t) => s + Math.exp(t.logprob), 0) <= 1 + 1e-6);
      // The token's own text as it stands in generated text (a leading space kept, as streamed chunks show it).
      assert.equal(entry.text, new TextDecoder().decode(model.tokenizer.piece(entry.token, true)));
    }
    const plain = [];
    for await (const chunk of model.generate(PROMPT, { maxTokens: 3 })) plain.push(chunk);
    assert.ok(plain.every((c) => c.logprobs === undefined));
  });

  it('rejects out-of-range values with INVALID_ARGUMENT naming the option', async () => {
    const bad = {
      typicalP: 0,
      repeatPenalty: 0,
      frequencyPenalty: NaN,
      penaltyLastN: -2,
      seed: 2 ** 32,
      logprobs: 1000,
      dry: { multiplier: -1 },
      xtc: { probability: 2 },
      logitBias: { 999999: 1 },
      contextShift: 'yes',
    };
    for (const [key, value] of Object.entries(bad)) {
      await assert.rejects(model.complete(PROMPT, { [key]: value }), (e) => e.code === 'INVALID_ARGUMENT' && e.message.includes(key), key);
    }
    await assert.rejects(model.complete(PROMPT, { logitBias: { 5: Infinity } }), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(model.complete(PROMPT, { dry: { multiplier: 1, base: 0.5 } }), (e) => e.code === 'INVALID_ARGUMENT' && /dry.base/.test(e.message));
  });
});
