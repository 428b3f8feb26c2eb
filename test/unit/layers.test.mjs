// The arrows between layers (ARCHITECTURE.md): no import cycle in src/ and the rules of
// .dependency-cruiser.cjs (checked by dependency-cruiser), native/core free of N-API and
// native/binding free of ggml, and one list of error codes shared by C++ and TypeScript.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { FATHOM_ERROR_CODES } from '../../dist/index.js';
import { ROOT } from '../helpers/fixtures.mjs';
import { loadAddon } from '../helpers/native.mjs';

const includes = (folder) =>
  readdirSync(path.join(ROOT, folder), { recursive: true })
    .filter((f) => /\.(h|cpp)$/.test(f))
    .flatMap((f) => [...readFileSync(path.join(ROOT, folder, f), 'utf8').matchAll(/^#include\s+[<"]([^>"]+)[>"]/gm)].map((m) => ({ file: f, header: m[1] })));

describe('layers', () => {
  it('src/ has no import cycle and keeps the arrows of .dependency-cruiser.cjs', (t) => {
    const cli = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
    const r = spawnSync(process.execPath, [cli, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT, encoding: 'utf8' });
    t.diagnostic(r.stdout.trim().split('\n').at(-1));
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  });

  it('native/core never includes napi.h; native/binding includes none of ggml headers', () => {
    assert.deepEqual(
      includes('native/core').filter(({ header }) => /napi/.test(header)),
      [],
    );
    const ggml = new Set(readdirSync(path.join(ROOT, 'deps', 'ggml', 'include')));
    assert.ok(ggml.has('ggml.h') && ggml.has('gguf.h'), 'deps/ggml/include lists ggml headers');
    assert.deepEqual(
      includes('native/binding').filter(({ header }) => ggml.has(path.basename(header))),
      [],
    );
  });

  it('the engine and the TypeScript API define the same error codes, in the same order', () => {
    assert.deepEqual(loadAddon().errorCodes(), [...FATHOM_ERROR_CODES]);
  });
});
