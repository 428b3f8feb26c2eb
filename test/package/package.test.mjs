// The build artifacts: the addon exports no ggml symbols (so it can share a
// process with another ggml, e.g. node-llama-cpp), and both module formats load.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';

import * as esm from '../../dist/index.js';
import { ROOT, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const require = createRequire(import.meta.url);

describe('package', () => {
  it('the addon exports no ggml or gguf symbols', { skip: process.platform !== 'linux' && 'uses nm on Linux' }, () => {
    const symbols = execFileSync('nm', ['-D', '--defined-only', path.join(ROOT, 'build', 'Release', 'fathom.node')], { encoding: 'utf8' });
    const leaked = symbols.split('\n').filter((line) => /\b_?(ggml|gguf)_/.test(line));
    assert.deepEqual(leaked, []);
    assert.match(symbols, /napi_register_module_v1/);
  });

  it('the CommonJS build exports the same API as the ESM build', () => {
    const cjs = require('../../dist/index.cjs');
    assert.deepEqual(Object.keys(cjs).sort(), Object.keys(esm).sort());
    assert.equal(typeof cjs.loadModel, 'function');
  });

  it('CommonJS and ESM builds tokenize the same', { skip: skipWithoutStories }, async () => {
    const cjs = require('../../dist/index.cjs');
    const [a, b] = await Promise.all([cjs.loadModel(STORIES_260K, { vocabOnly: true }), esm.loadModel(STORIES_260K, { vocabOnly: true })]);
    assert.deepEqual(a.tokenize('Once upon a time'), b.tokenize('Once upon a time'));
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

describe('fathom inspect --system', () => {
  it('reports where the addon loaded from, its compiler and the CPU features ggml was built for', () => {
    const out = JSON.parse(execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'inspect', '--system', '--json'], { encoding: 'utf8' }));
    assert.equal(out.addon, path.join(ROOT, 'build', 'Release', 'fathom.node'));
    assert.match(out.compiler, /^(gcc|clang|msvc) /);
    assert.equal(out.platform, `${process.platform}-${process.arch}`);
    if (process.arch === 'x64') assert.equal(out.features.SSE3, '1', JSON.stringify(out.features));
  });
});

describe('FathomError across module formats', () => {
  it('an error from either build is instanceof both classes', async () => {
    const cjs = require('../../dist/index.cjs');
    for (const load of [cjs.loadModel, esm.loadModel]) {
      const error = await load('/nonexistent/model.gguf').catch((e) => e);
      assert.ok(error instanceof cjs.FathomError && error instanceof esm.FathomError);
      assert.equal(error.code, 'FILE_NOT_FOUND');
    }
  });
});
