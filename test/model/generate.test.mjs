// Greedy generation on the real trained model equals llama.cpp's, token for token.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { loadModel } from '../../dist/index.js';
import { ROOT, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';
import { llamaCppReference } from '../helpers/reference.mjs';

const PROMPTS = ['Once upon a time', 'Tom and his dog went to the', 'The little bird said, "I am hungry!"\nMom', 'Lily', '  spaced   out \t text 123'];
const N_TOKENS = 64;

describe('greedy generation matches node-llama-cpp on stories260K', { skip: skipWithoutStories }, () => {
  let model;
  let reference;

  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 256 });
    reference = await llamaCppReference({
      model: STORIES_260K,
      contextSize: 256,
      tokenize: PROMPTS,
      greedy: [...PROMPTS.map((prompt) => ({ prompt, maxTokens: N_TOKENS })), { prompt: 'Once upon a time', maxTokens: 50 }],
    });
  });
  after(() => model?.dispose());

  it('tokenizes each prompt to the same ids', () => {
    PROMPTS.forEach((prompt, i) => assert.deepEqual(model.tokenize(prompt, { addBos: false }), reference.tokenize[i], JSON.stringify(prompt)));
  });

  it('prepends BOS to a string prompt as llama.cpp does', () => {
    PROMPTS.forEach((prompt, i) => assert.deepEqual(model.tokenize(prompt), reference.greedy[i].promptTokens));
  });

  for (const [i, prompt] of PROMPTS.entries()) {
    it(`generates the same ${N_TOKENS} token ids after ${JSON.stringify(prompt)}`, async () => {
      const result = await model.complete(prompt, { maxTokens: N_TOKENS, temperature: 0, ignoreEos: true });
      assert.deepEqual(result.tokens, reference.greedy[i].tokens);
      assert.equal(result.finishReason, 'length');
      assert.equal(result.text, reference.greedy[i].text);
      assert.equal(model.detokenize(result.tokens), reference.greedy[i].tokensText);
    });
  }

  it('gives the same ids for a token-array prompt', async () => {
    const result = await model.complete(reference.greedy[0].promptTokens, { maxTokens: N_TOKENS, ignoreEos: true });
    assert.deepEqual(result.tokens, reference.greedy[0].tokens);
  });

  it('streams chunks whose text and tokens add up to the completion', async () => {
    let text = '';
    const tokens = [];
    for await (const chunk of model.generate(PROMPTS[0], { maxTokens: N_TOKENS, ignoreEos: true })) {
      text += chunk.text;
      tokens.push(...chunk.tokens);
    }
    assert.deepEqual(tokens, reference.greedy[0].tokens);
    assert.equal(text, reference.greedy[0].text);
  });

  it('reuses the cached prefix and still matches after unrelated prompts', async () => {
    await model.complete(PROMPTS[3], { maxTokens: 5 });
    const extended = await model.complete(PROMPTS[0], { maxTokens: N_TOKENS, ignoreEos: true });
    assert.deepEqual(extended.tokens, reference.greedy[0].tokens);
  });

  it('two generations at once on one model each give their own greedy tokens', async () => {
    const [a, b] = await Promise.all([
      model.complete(PROMPTS[0], { maxTokens: N_TOKENS, ignoreEos: true }),
      model.complete(PROMPTS[1], { maxTokens: N_TOKENS, ignoreEos: true }),
    ]);
    assert.deepEqual(a.tokens, reference.greedy[0].tokens);
    assert.deepEqual(b.tokens, reference.greedy[1].tokens);
  });

  it('an abandoned iterator does not block later generations', async () => {
    const abandoned = model.generate(PROMPTS[2], { maxTokens: N_TOKENS });
    await abandoned.next();
    const result = await model.complete(PROMPTS[0], { maxTokens: N_TOKENS, ignoreEos: true });
    assert.deepEqual(result.tokens, reference.greedy[0].tokens);
  });

  it('the same seed gives the same sampled text, and sampling is not greedy', async () => {
    const options = { maxTokens: 48, temperature: 1, topK: 40, topP: 0.95, minP: 0.02, ignoreEos: true };
    const runs = await Promise.all([7, 7, 8, 9].map((seed) => model.complete(PROMPTS[0], { ...options, seed })));
    assert.deepEqual(runs[0].tokens, runs[1].tokens);
    assert.ok(runs.slice(1).some((r) => JSON.stringify(r.tokens) !== JSON.stringify(reference.greedy[0].tokens.slice(0, 48))));
    assert.ok(JSON.stringify(runs[2].tokens) !== JSON.stringify(runs[3].tokens), 'different seeds differ');
  });

  it('`fathom generate` prints the prompt and the greedy continuation', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      path.join(ROOT, 'dist', 'cli.js'),
      'generate',
      STORIES_260K,
      '-p',
      'Once upon a time',
      '-n',
      '50',
      '--temperature',
      '0',
    ]);
    assert.equal(stdout, `Once upon a time${reference.greedy.at(-1).text}\n`);
  });
});
