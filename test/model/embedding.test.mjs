// Embeddings equal node-llama-cpp's (cosine >= 0.9999) for a synthetic BERT
// encoder and for a decoder; pooling and normalization behave as documented.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { loadModel } from '../../dist/index.js';
import { ROOT, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';
import { syntheticModel } from '../helpers/synthetic.mjs';

const TEXTS = ['Hello world, this is a test.', 'Another sentence about cats and dogs!', 'Once upon a time there was a little girl named Lily.'];

async function llamaCppEmbeddings(model, inputs) {
  const script = path.join(ROOT, 'test', 'reference', 'llama-cpp-embed.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [script, JSON.stringify({ model, contextSize: 256, inputs })], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

function cosine(a, b) {
  let dot = 0,
    x = 0,
    y = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    x += a[i] * a[i];
    y += b[i] * b[i];
  }
  return dot / Math.sqrt(x * y);
}

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('embeddings of a BERT encoder', () => {
  let file;
  let model;

  before(async () => {
    file = await syntheticModel({ architecture: 'bert', vocab: 'bert-bge' });
    model = await loadModel(file, { contextSize: 256 });
  });
  after(() => model?.dispose());

  it('equal node-llama-cpp (mean pooling from the file, cosine >= 0.9999)', async (t) => {
    const inputs = TEXTS.map((text) => model.tokenize(text));
    assert.equal(inputs[0][0], model.vocabulary.bos); // [CLS] ... [SEP]
    const reference = await llamaCppEmbeddings(file, inputs);
    const ours = await model.embed(TEXTS);
    assert.equal(ours.length, TEXTS.length);
    for (let i = 0; i < TEXTS.length; i++) {
      assert.equal(ours[i].length, 256);
      const c = cosine(ours[i], reference[i]);
      t.diagnostic(`text ${i}: cosine ${c.toFixed(7)}`);
      assert.ok(c >= 0.9999, `text ${i}: cosine ${c}`);
    }
    // Different texts are not the same vector.
    assert.ok(cosine(ours[0], ours[1]) < 0.99);
  });

  it('pooling and normalization options', async () => {
    const mean = await model.embed(TEXTS[0]);
    assert.ok(Math.abs(norm(mean) - 1) < 1e-5);
    const raw = await model.embed(TEXTS[0], { normalize: false });
    assert.ok(Math.abs(norm(raw) - 1) > 1e-3);
    assert.ok(cosine(raw, mean) > 0.99999);
    const perToken = await model.embed(TEXTS[0], { pooling: 'none', normalize: false });
    const n = model.tokenize(TEXTS[0]).length;
    // One row per token, each [n_embd].
    assert.equal(perToken.length, n);
    assert.ok(perToken.every((row) => row instanceof Float32Array && row.length === 256));
    const rows = Float32Array.from(perToken.flatMap((row) => [...row]));
    const manualMean = Array.from({ length: 256 }, (_, i) => Array.from({ length: n }, (_, r) => rows[r * 256 + i]).reduce((a, b) => a + b, 0) / n);
    assert.ok(manualMean.every((v, i) => Math.abs(v - raw[i]) < 1e-5));
    const cls = await model.embed(TEXTS[0], { pooling: 'cls', normalize: false });
    assert.deepEqual([...cls], [...rows.subarray(0, 256)]);
    const last = await model.embed(TEXTS[0], { pooling: 'last', normalize: false });
    assert.deepEqual([...last], [...rows.subarray((n - 1) * 256)]);
    await assert.rejects(model.embed(TEXTS[0], { pooling: 'max' }), (e) => e.code === 'INVALID_ARGUMENT');
  });

  it('attention is bidirectional; an encoder cannot generate', async () => {
    const inspection = await model.inspect(TEXTS[1], { attention: [0] });
    const n = inspection.tokens.length;
    const row = inspection.attentionAt(0, 0, 0);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.ok(
      row.slice(1).some((p) => p > 0),
      'the first token attends to later ones',
    );
    assert.equal(row.length, n);
    await assert.rejects(model.complete('Hello'), (e) => e.code === 'INVALID_ARGUMENT' && /embedding model/.test(e.message));
    await assert.rejects(model.score('Hello there'), (e) => e.code === 'INVALID_ARGUMENT');
    await assert.rejects(loadModel(file, { contextSize: 4096 }), (e) => e.code === 'INVALID_ARGUMENT' && /at most 512/.test(e.message));
    // No output head, no steering: clear errors, not a crash.
    await assert.rejects(model.logitLens('Hello', 0), (e) => e.code === 'INVALID_ARGUMENT' && /output head/.test(e.message));
    await assert.rejects(model.inspect('Hello', { logits: true }), (e) => e.code === 'INVALID_ARGUMENT');
    const { ControlVector } = await import('../../dist/index.js');
    const steer = new ControlVector(new Map([[1, new Float32Array(256)]]));
    await assert.rejects(model.inspect('Hello', { hidden: [1], control: steer }), (e) => e.code === 'INVALID_ARGUMENT' && /embedding model/.test(e.message));
  });

  it('fathom quantize keeps the position and token-type tables, and the quantized model embeds alike', async () => {
    const { quantizeFile, inspectGguf } = await import('../../dist/index.js');
    const out = path.join((await import('../helpers/fixtures.mjs')).scratchDir('bert-q8'), 'bert-q8_0.gguf');
    await quantizeFile(file, out, 'q8_0');
    const info = await inspectGguf(out);
    const type = (name) => info.tensors.find((t) => t.name === name).type;
    assert.equal(type('position_embd.weight'), 'F32');
    assert.equal(type('token_types.weight'), 'F32');
    assert.equal(type('blk.0.attn_q.weight'), 'Q8_0');
    const quantized = await loadModel(out, { contextSize: 256 });
    try {
      assert.ok(cosine(await quantized.embed(TEXTS[0]), await model.embed(TEXTS[0])) > 0.99);
    } finally {
      await quantized.dispose();
    }
  });
});

describe('embeddings of a decoder', { skip: skipWithoutStories }, () => {
  it("equal node-llama-cpp's (the last token's final-norm output, cosine >= 0.9999)", async (t) => {
    const model = await loadModel(STORIES_260K, { contextSize: 256 });
    try {
      const inputs = TEXTS.map((text) => model.tokenize(text));
      const reference = await llamaCppEmbeddings(STORIES_260K, inputs);
      const ours = await model.embed(inputs);
      for (let i = 0; i < TEXTS.length; i++) {
        const c = cosine(ours[i], reference[i]);
        t.diagnostic(`text ${i}: cosine ${c.toFixed(7)}`);
        assert.ok(c >= 0.9999, `text ${i}: cosine ${c}`);
      }
      // Embedding does not disturb generation on the same context.
      const before = await model.complete('Once upon a time', { maxTokens: 16 });
      await model.embed('Lily');
      assert.deepEqual((await model.complete('Once upon a time', { maxTokens: 16 })).tokens, before.tokens);
    } finally {
      await model.dispose();
    }
  });
});
