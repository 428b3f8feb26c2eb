// The tree is formatted (Prettier for TypeScript and JavaScript, clang-format for C++) and
// lint-clean (ESLint with typescript-eslint). `npm run format` fixes the first two.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ROOT } from '../helpers/fixtures.mjs';

const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const run = (tool, args) => spawnSync(bin(tool), args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });

describe('style', () => {
  it('TypeScript and JavaScript are formatted by Prettier', () => {
    const r = run('prettier', ['--check', '.']);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}\nrun: npm run format`);
  });

  it('C++ is formatted by clang-format (.clang-format)', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'native/*.h', 'native/*.cpp'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && existsSync(path.join(ROOT, f))); // tracked files deleted in the work tree are left out
    assert.ok(files.length > 20, `${files.length} C++ files`);
    const r = run('clang-format', ['--style=file', '--dry-run', '-Werror', ...files]);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}\nrun: npm run format`);
  });

  it('ESLint finds nothing', () => {
    const r = run('eslint', ['--max-warnings', '0', '.']);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});
