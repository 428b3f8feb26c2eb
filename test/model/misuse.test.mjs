// What a newcomer gets wrong gets a clear, typed error at once (never an option silently
// ignored), and what they reasonably expect is there: a streamed finish reason, token texts
// as they stand in the text, abort causes, build info, cosine similarity.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ControlVector, cosineSimilarity, FathomError, getBuildInfo, loadModel, quantizeFile } from '../../dist/index.js';
import { ROOT, scratchDir, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

// Asserts a synchronous throw or a rejection with INVALID_ARGUMENT whose message matches `pattern`.
async function invalid(run, pattern) {
  await assert.rejects(
    async () => run(),
    (error) => {
      assert.ok(error instanceof FathomError, `expected FathomError, got ${error}`);
      assert.equal(error.code, 'INVALID_ARGUMENT', error.message);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('misuse gets a clear error', { skip: skipWithoutStories }, () => {
  let model;
  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 256 });
  });
  after(() => model?.dispose());

  it('an unknown option key is rejected at once, naming the closest known one', async () => {
    const started = performance.now();
    await invalid(() => model.complete('Once', { maxToken: 20 }), /unknown option 'maxToken' in generate options — did you mean 'maxTokens'\?/);
    assert.ok(performance.now() - started < 1000, 'before any generation');
    await invalid(() => loadModel(STORIES_260K, { contextSise: 512 }), /unknown option 'contextSise' in loadModel options — did you mean 'contextSize'\?/);
    await invalid(() => model.createContext({ sequence: 2 }), /did you mean 'sequences'/);
    await invalid(() => model.score('Once upon a time', { topk: 3 }), /did you mean 'topK'/);
    await invalid(() => model.perplexity('x', { chunksize: 8 }), /did you mean 'chunkSize'/);
    await invalid(() => model.inspect('Once', { hiden: true }), /did you mean 'hidden'/);
    await invalid(() => model.logitLens('Once', 1, { top: 3 }), /unknown option 'top' in logitLens options/);
    await invalid(() => model.embed('Once', { normalise: false }), /did you mean 'normalize'/);
    await invalid(() => model.createChat({ systemPrompt: 'x' }), /unknown option 'systemPrompt' in createChat options/);
    await invalid(() => model.tokenize('Once', { addBOS: true }), /did you mean 'addBos'/);
    await invalid(() => model.complete('Once', { maxTokens: 2, dry: { multiplier: 0.8, allowedLen: 2 } }), /unknown option 'allowedLen' in dry/);
    await invalid(() => new ControlVector(new Map([[1, new Float32Array(4)]]), { strenght: 2 }), /did you mean 'strength'/);
    await invalid(() => model.complete('Once', null), /generate options must be an object/);
    await invalid(() => model.createChat({ generate: { maxToken: 4 } }), /unknown option 'maxToken' in generate options/);
    await invalid(() => model.detokenize([1.5]), /token ids are integers, got 1\.5/);
    // Known keys with undefined values are fine (spreading optional settings is common).
    assert.equal((await model.complete('Once', { maxTokens: 2, seed: undefined })).tokens.length, 2);
  });

  it('values of the wrong type are refused, never read for their truthiness or ignored', async () => {
    await invalid(() => model.createChat({ history: { role: 'user', content: 'hi' } }), /history must be an array/);
    await invalid(
      () => model.createChat({ history: [{ role: 'user', contnet: 'hi' }] }),
      /history\[0\]\.content must be a string, got undefined \(keys: role, contnet\)/,
    );
    await invalid(() => model.perplexity('Once upon a time '.repeat(40), { chunkSize: 8, onProgress: 'x' }), /onProgress must be a function/);
    await invalid(() => model.perplexity('Once upon a time '.repeat(40), { chunkSize: 8, chunks: 0 }), /chunks must be a positive integer, got 0/);
    await invalid(() => model.textReport('Once upon', { topK: 0 }), /topK must be an integer in \[1, 100\], got 0/);
    await invalid(() => quantizeFile(STORIES_260K, path.join(scratchDir(), 'q.gguf'), 8), /quantization type must be a string/);
    await assert.rejects(
      quantizeFile(STORIES_260K, path.join(scratchDir(), 'missing', 'q.gguf'), 'q8_0'),
      (e) => e instanceof FathomError && /cannot write .*its folder does not exist/.test(e.message),
    );
    await invalid(() => model.tokenize('hi', { addBos: 'false' }), /addBos must be a boolean, got "false" \(string\)/);
    await invalid(() => model.inspect('Once', { logits: 'yes' }), /logits must be a boolean/);
    await invalid(
      () => model.applyChatTemplate([{ role: 'user', content: 'hi' }], { template: '{{ messages[0].content }}', addGenerationPrompt: 'no' }),
      /addGenerationPrompt must be a boolean/,
    );
    await invalid(() => cosineSimilarity(1, 2), /a must be an array or typed array/);
    await invalid(() => model.deriveControlVector(['a'], ['b'], { layers: [7] }), /layers: each layer must be an integer in \[0, 4\], got 7/);
    await invalid(() => model.deriveControlVector('a', 'b'), /two non-empty arrays of prompts/);
  });

  it('complete() keeps the log-probabilities it was asked for; a second send() on a busy chat is BUSY', async () => {
    const r = await model.complete('Once upon a time', { maxTokens: 3, logprobs: 2, ignoreEos: true });
    assert.equal(r.logprobs.length, r.tokens.length);
    assert.deepEqual(
      r.logprobs.map((e) => e.token),
      r.tokens,
    );
    const chat = model.createChat({ template: '{% for m in messages %}{{ m.content }}{% endfor %}' });
    const first = chat.send('Once', { maxTokens: 4 });
    await assert.rejects(chat.send('upon', { maxTokens: 4 }), (e) => e instanceof FathomError && e.code === 'BUSY');
    await first;
  });

  it('inspection getters check every index against its range', async () => {
    const x = await model.inspect('Once upon a time', { hidden: [1], attention: [0] });
    const n = x.tokens.length;
    await invalid(() => x.attentionAt(0, 99, 0), /head must be an integer in \[0, 7\], got 99/);
    await invalid(() => x.attentionAt(0, -1, 0), /head .* got -1/);
    await invalid(() => x.attentionAt(0, 1.5, 0), /head .* got 1\.5/);
    await invalid(() => x.attentionAt(0, 0, n), new RegExp(`token must be an integer in \\[0, ${n - 1}\\], got ${n}`));
    await invalid(() => x.hiddenAt(1, 999), /token .* got 999/);
    await invalid(() => x.hiddenAt(7, 0), /layer must be an integer in \[0, 4\], got 7/);
    await invalid(() => x.hiddenAt(2, 0), /layer 2's hidden state was not requested/);
    assert.equal(x.attentionAt(0, 7, n - 1).length, n);
  });

  it('a control vector layer range past the model is refused', async () => {
    const steer = new ControlVector(new Map([[1, new Float32Array(64).fill(0.1)]]), { layers: [0, 9] });
    await invalid(() => model.complete('Once', { maxTokens: 2, control: steer }), /layers \[0, 9\] are not all in the model, whose layers are 0\.\.4/);
  });

  it('messages name what the caller passed, with its type', async () => {
    await invalid(() => model.logitLens('Once', 5), /layer must be an integer in \[0, 4\], got 5/);
    await invalid(() => loadModel(STORIES_260K, { contextSize: '512' }), /contextSize must be a positive integer, got "512" \(string\)/);
    await invalid(() => model.complete('Once', { temperature: '0.5' }), /got "0\.5" \(string\)/);
    await invalid(() => model.perplexity('Once upon a time there was a girl.'), /Pass a smaller chunkSize .*score\(text\)\.perplexity/);
  });

  it('a chat on a model without a chat template warns once that ChatML stands in', async () => {
    const fresh = await loadModel(STORIES_260K, { contextSize: 64 });
    const warnings = [];
    const listen = (w) => w.code === 'FATHOM_NO_CHAT_TEMPLATE' && warnings.push(w);
    process.on('warning', listen);
    try {
      fresh.createChat();
      fresh.applyChatTemplate([{ role: 'user', content: 'Hi' }]);
      fresh.createChat({ template: '{{ messages[0].content }}' });
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', listen);
      await fresh.dispose();
    }
    assert.equal(warnings.length, 1);
    assert.throws(
      () => fresh.vocabulary,
      (e) => e.code === 'DISPOSED',
    );
    assert.match(warnings[0].message, /no chat template .*ChatML.*Pass \{ template \}/);
  });

  it('an abort keeps the signal reason as its cause', async () => {
    const controller = new AbortController();
    const reason = new Error('user pressed stop');
    controller.abort(reason);
    await assert.rejects(
      model.score('Once upon a time', { signal: controller.signal }),
      (e) => e instanceof FathomError && e.code === 'ABORTED' && e.name === 'AbortError' && e.cause === reason,
    );
    const chunks = model.generate('Once upon a time', { signal: controller.signal });
    await assert.rejects(chunks.next(), (e) => e.code === 'ABORTED' && e.cause === reason);
  });
});

describe('what streaming and introspection users expect', { skip: skipWithoutStories }, () => {
  let model;
  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 256 });
  });
  after(() => model?.dispose());

  it('the last streamed chunk carries the finish reason, and only the last', async () => {
    for (const [options, reason] of [
      [{ maxTokens: 5, ignoreEos: true }, 'length'],
      [{ maxTokens: 50, stop: [' '], ignoreEos: true }, 'stop'],
      [{ maxTokens: 0 }, 'length'],
    ]) {
      const chunks = [];
      for await (const chunk of model.generate('Once upon a time', options)) chunks.push(chunk);
      assert.equal(chunks.at(-1).finishReason, reason, JSON.stringify(options));
      assert.ok(chunks.slice(0, -1).every((c) => c.finishReason === undefined));
      const completed = await model.complete('Once upon a time', options);
      assert.equal(completed.finishReason, reason);
      assert.equal(chunks.map((c) => c.text).join(''), completed.text);
    }
  });

  it('a chat turn streamed until its finishReason chunk, then left, is kept in the history and frees its sequence', async () => {
    const context = await model.createContext({ contextSize: 128 });
    try {
      const chat = model.createChat({ context, template: '{% for m in messages %}{{ m.content }} {% endfor %}', generate: { maxTokens: 4, ignoreEos: true } });
      let last;
      for await (const chunk of chat.stream('Once')) {
        last = chunk;
        if (chunk.finishReason) break;
      }
      assert.equal(last.finishReason, 'length');
      assert.deepEqual(
        chat.history.map((m) => m.role),
        ['user', 'assistant'],
      );
      const before = context.stats.tokensEvaluated;
      const next = await chat.send('upon');
      assert.equal(next.tokens.length, 4);
      // The second turn's prompt starts with the first turn: only the new text is evaluated, from the freed sequence.
      assert.ok(
        context.stats.tokensEvaluated - before < next.promptTokens,
        `${context.stats.tokensEvaluated - before} of ${next.promptTokens} prompt tokens evaluated`,
      );
      await invalid(() => chat.stream('again', null).next(), /generate options must be an object/);
    } finally {
      await context.dispose();
    }
  });

  it('token texts keep their leading space in logprobs, top alternatives and the logit lens, as in the text', async () => {
    const chunks = [];
    for await (const chunk of model.generate('Once upon a time', { maxTokens: 6, logprobs: 3, ignoreEos: true })) chunks.push(chunk);
    const entries = chunks.flatMap((c) => c.logprobs);
    assert.equal(entries.map((e) => e.text).join(''), chunks.map((c) => c.text).join(''));
    assert.ok(
      entries.some((e) => e.text.startsWith(' ')),
      'a word token starts with its space',
    );
    const scored = await model.score('Once upon a time', { topK: 1 });
    assert.equal(scored.top[0][0].text.startsWith(' '), true, JSON.stringify(scored.top[0][0]));
    const lens = await model.logitLens('Once upon a time', 4, { topK: 1 });
    assert.equal(lens[0][0].text, scored.top[0][0].text);
  });

  it('model.textReport() is the page fathom inspect-text writes', async () => {
    const out = path.join(scratchDir(), 'report.html');
    const cli = spawnSync(process.execPath, [
      path.join(ROOT, 'dist', 'cli.js'),
      'inspect-text',
      STORIES_260K,
      '-p',
      'Once upon a time',
      '--layers',
      '0,1',
      '--out',
      out,
    ]);
    assert.equal(cli.status, 0, String(cli.stderr));
    const html = await model.textReport('Once upon a time', { layers: [0, 1] });
    assert.match(html, /^<!doctype html>/);
    assert.equal(html, readFileSync(out, 'utf8'));
    await invalid(() => model.textReport('Once', { layer: [0] }), /did you mean 'layers'/);
  });

  it('getBuildInfo() reports what fathom inspect --system shows; cosineSimilarity compares embeddings', async () => {
    const info = getBuildInfo();
    assert.equal(typeof info.cpuVariant, 'string');
    assert.match(info.addon, /fathom(-llm)?\.node$/);
    assert.equal(typeof info.features, 'object');
    const [a, b] = await model.embed(['Once upon a time', 'Once upon a time']);
    assert.ok(Math.abs(cosineSimilarity(a, b) - 1) < 1e-6);
    assert.equal(cosineSimilarity([1, 0], [0, 1]), 0);
    await invalid(() => cosineSimilarity([1], [1, 2]), /two non-empty vectors of one length/);
  });
});
