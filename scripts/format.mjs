// npm run format — formats the tree: Prettier for TypeScript and JavaScript, clang-format
// (the npm package's binary, .clang-format) for native/. The test suite checks both.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);
const native = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', 'native/*.h', 'native/*.cpp'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && existsSync(path.join(ROOT, f))); // tracked files deleted in the work tree are left out
execFileSync(bin('prettier'), ['--write', '--log-level', 'warn', '.'], { cwd: ROOT, stdio: 'inherit' });
execFileSync(bin('clang-format'), ['--style=file', '-i', ...native], { cwd: ROOT, stdio: 'inherit' });
console.log(`formatted (${native.length} C++ files)`);
