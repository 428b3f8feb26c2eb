// The SentencePiece tokenizer passes llama.cpp's own test vectors for the
// llama-spm vocabulary, read from the bundle, under the flags its test uses
// (no BOS/EOS, control-token text not parsed).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { loadModel } from '../dist/index.js';
import { bundleFile } from './helpers/bundle.mjs';

const SEPARATOR = '\n__ggml_vocab_test__\n';

function readVectors(inpPath, outPath) {
  const raw = readFileSync(inpPath, 'utf8');
  const inputs = [];
  for (let pos = 0; pos < raw.length; ) {
    const next = raw.indexOf(SEPARATOR, pos);
    if (next === -1) {
      inputs.push(raw.slice(pos));
      break;
    }
    inputs.push(raw.slice(pos, next));
    pos = next + SEPARATOR.length;
  }
  const outputs = readFileSync(outPath, 'utf8').split('\n').slice(0, inputs.length);
  return inputs.map((text, i) => ({ text, ids: outputs[i].trim() === '' ? [] : outputs[i].trim().split(' ').map(Number) }));
}

describe('SentencePiece tokenizer: llama.cpp test vectors (ggml-vocab-llama-spm)', () => {
  let model;
  let vectors;
  before(async () => {
    const base = 'models/ggml-vocab-llama-spm.gguf';
    model = await loadModel(await bundleFile(base), { vocabOnly: true });
    vectors = readVectors(await bundleFile(`${base}.inp`), await bundleFile(`${base}.out`));
  });
  after(() => model?.dispose());

  it('tokenizes every vector to the expected ids', () => {
    assert.ok(vectors.length > 20, `read ${vectors.length} vectors`);
    const failures = vectors.filter(({ text, ids }) => JSON.stringify(model.tokenize(text, { addBos: false })) !== JSON.stringify(ids));
    assert.deepEqual(failures.map((f) => f.text), [], 'texts that tokenized differently');
  });

  it('a vocab-only model refuses to generate with a clear error', async () => {
    await assert.rejects(model.complete('hello'), (e) => e.code === 'INVALID_ARGUMENT' && /vocabOnly/.test(e.message));
  });
});
