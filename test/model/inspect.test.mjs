// inspectGguf reads the same header node-llama-cpp's GGUF reader reads:
// version, every metadata key and value, every tensor's name, type, shape and offset.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { GgmlType, readGgufFileInfo } from 'node-llama-cpp';

import { inspectGguf, loadModel } from '../../dist/index.js';
import { bundleFile } from '../helpers/bundle.mjs';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

/** node-llama-cpp nests metadata by dotted path; flatten it back to GGUF keys. */
function flatten(object, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(object)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flatten(value, name, out);
    else out[name] = value;
  }
  return out;
}

async function compareWithReference(path) {
  const ours = await inspectGguf(path);
  const theirs = await readGgufFileInfo(path, { logWarnings: false });
  assert.equal(ours.version, theirs.version);
  assert.deepEqual(ours.metadata, flatten(theirs.metadata));
  assert.equal(ours.tensors.length, theirs.tensorInfo.length);
  ours.tensors.forEach((t, i) => {
    const ref = theirs.tensorInfo[i];
    assert.equal(t.name, ref.name);
    assert.deepEqual(t.shape, ref.dimensions.map(Number));
    assert.equal(t.type, GgmlType[ref.ggmlType]);
    assert.equal(t.offset, Number(ref.fileOffset));
  });
  return ours;
}

describe('inspectGguf', () => {
  it('matches node-llama-cpp on stories260K and reports its shape', { skip: skipWithoutStories }, async () => {
    const info = await compareWithReference(STORIES_260K);
    const theirs = await readGgufFileInfo(STORIES_260K, { logWarnings: false });
    assert.equal(info.architecture, theirs.metadata.general.architecture);
    assert.equal(info.contextLength, theirs.metadata.llama.context_length);
    assert.equal(info.embeddingLength, theirs.metadata.llama.embedding_length);
    assert.equal(info.blockCount, theirs.metadata.llama.block_count);
    assert.equal(info.vocabSize, theirs.metadata.tokenizer.ggml.tokens.length);
    assert.equal(
      info.parameterCount,
      info.tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0),
    );
  });

  it('matches node-llama-cpp on a vocab-only file from the bundle', async () => {
    await compareWithReference(await bundleFile('models/ggml-vocab-llama-spm.gguf'));
  });

  it('model.info is the same object shape as inspectGguf', { skip: skipWithoutStories }, async () => {
    const model = await loadModel(STORIES_260K, { contextSize: 32 });
    try {
      assert.deepEqual(model.info, await inspectGguf(STORIES_260K));
    } finally {
      await model.dispose();
    }
  });
});
