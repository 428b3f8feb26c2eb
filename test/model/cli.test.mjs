// The `fathom` command as a user types it: help per command, a version, negative numbers as
// option values, --stop, a missing --file said in one line, options checked before the prompt is
// echoed, readable floats and tensors listed on request, and quantize naming its fallbacks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ROOT, scratchDir, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const fathom = (...args) => spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), ...args], { encoding: 'utf8' });

describe('the fathom command', () => {
  it('--version prints the package version; <command> --help prints that command only', () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.equal(fathom('--version').stdout, `fathom-llm ${version}\n`);
    const help = fathom('generate', '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /fathom generate <file\.gguf> -p/);
    assert.doesNotMatch(help.stdout, /fathom perplexity/);
  });

  it('a missing --file is one line with FILE_NOT_FOUND, no stack', { skip: skipWithoutStories }, () => {
    const r = fathom('perplexity', STORIES_260K, '--file', path.join(scratchDir(), 'missing.txt'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^fathom: --file .*missing\.txt: no such file \[FILE_NOT_FOUND\]\n$/);
  });

  it('generate: a negative -n is checked as a number, before the prompt is echoed; --stop ends the text', { skip: skipWithoutStories }, () => {
    const bad = fathom('generate', STORIES_260K, '-p', 'Once upon a time', '-n', '-5');
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /-n\/--n-predict expects an integer >= 0, got "-5"/);
    const stopped = fathom('generate', STORIES_260K, '-p', 'Once upon a time', '-n', '40', '--temperature', '0', '--stop', ',');
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.equal(stopped.stdout, 'Once upon a time\n');
  });

  it(
    'bad flags are named as typed, with a suggestion and this command usage; values that are not plain numbers are refused',
    { skip: skipWithoutStories },
    () => {
      const typo = fathom('generate', STORIES_260K, '-p', 'x', '--temprature', '1');
      assert.equal(typo.status, 1);
      assert.match(typo.stderr, /^fathom: generate: unknown option '--temprature' — did you mean '--temperature'\?/);
      assert.doesNotMatch(typo.stderr, /fathom perplexity/);
      assert.match(fathom('generate', STORIES_260K, '-p', 'x', '-n', '').stderr, /-n\/--n-predict expects an integer >= 0, got ""/);
      assert.match(fathom('generate', STORIES_260K, '-p', 'x', '-n', '0x5').stderr, /-n\/--n-predict expects an integer >= 0, got "0x5"/);
      assert.match(
        fathom('perplexity', STORIES_260K, '--file', path.join(ROOT, 'README.md'), '--chunks', '0').stderr,
        /--chunks expects an integer >= 1, got "0"/,
      );
      assert.match(fathom('inspect', '--system', STORIES_260K).stderr, /inspect --system takes no file/);
      const unwritable = fathom('quantize', STORIES_260K, path.join(scratchDir(), 'missing', 'q.gguf'), '--type', 'q8_0');
      assert.match(unwritable.stderr, /^fathom: cannot write .*: its folder does not exist \[FILE_NOT_FOUND\]\n$/);
    },
  );

  it('inspect prints f32 metadata readably and lists tensors only with --tensors', { skip: skipWithoutStories }, () => {
    const summary = fathom('inspect', STORIES_260K).stdout;
    assert.match(summary, /layer_norm_rms_epsilon\s+0\.00001\n/);
    assert.match(summary, /48 tensors \(list them with --tensors\)/);
    assert.doesNotMatch(summary, /blk\.0\.attn_q\.weight/);
    assert.match(fathom('inspect', STORIES_260K, '--tensors').stdout, /blk\.0\.attn_q\.weight\s+F32\s+\[64, 64\]/);
  });

  it('quantize says which tensors took another type than the preset asked for', { skip: skipWithoutStories }, () => {
    const r = fathom('quantize', STORIES_260K, path.join(scratchDir(), 'q.gguf'), '--type', 'q4_k_m');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /note: \d+ tensors used Q5_0 instead of Q4_K \(rows not a multiple of its block size\)/);
  });
});
