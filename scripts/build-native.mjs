// Builds the native addon from source with cmake-js (Release): extracts ggml if
// needed, then configures and compiles. Extra arguments pass through to cmake-js.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { extractGgml } from './extract-ggml.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildNative(extraArgs = []) {
  await extractGgml();
  const require = createRequire(path.join(ROOT, 'package.json'));
  let cmakeJs;
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  } catch {
    console.error('fathom-llm: building from source needs cmake-js (`npm install cmake-js`), CMake and a C++17 compiler.');
    process.exit(1);
  }
  const args = [cmakeJs, 'build', '--config', 'Release', '--parallel', String(availableParallelism()), '--log-level', 'warn', ...extraArgs];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('fathom-llm: native build failed (see the compiler output above). It needs CMake >= 3.18 and a C++17 compiler.');
    process.exit(r.status ?? 1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildNative(process.argv.slice(2));
