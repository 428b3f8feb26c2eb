// Finds and loads the compiled addon: a local build first, then a prebuilt
// binary for this platform. When nothing loads, one error lists every place
// tried and why, and says how to build.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { FathomError } from '../errors.js';
import type { NativeAddon } from './contract.js';

const require = createRequire(import.meta.url);

/** The package root: dist/ sits directly under it. */
export function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

function candidates(root: string): string[] {
  const prebuilds = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  return [
    path.join(root, 'build', 'Release', 'fathom.node'),
    // prebuildify names the file after the package.
    path.join(prebuilds, 'fathom-llm.node'),
    path.join(prebuilds, 'fathom.node'),
  ].map((p) => p.replace(`${path.sep}app.asar${path.sep}`, `${path.sep}app.asar.unpacked${path.sep}`));
}

let addon: NativeAddon | undefined;
let loadedFrom: string | undefined;

/** The file the addon was loaded from (loads it if needed). */
export function addonPath(): string {
  loadAddon();
  return loadedFrom!;
}

export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const failures: string[] = [];
  for (const file of candidates(packageRoot())) {
    if (!existsSync(file)) {
      failures.push(`${file}: not found`);
      continue;
    }
    try {
      const loaded = require(file) as NativeAddon;
      loaded.setErrorClass(FathomError);
      addon = loaded;
      loadedFrom = file;
      return loaded;
    } catch (error) {
      failures.push(`${file}: ${(error as Error).message}`);
    }
  }
  throw new FathomError(
    'NATIVE_LOAD_FAILED',
    `fathom-llm: no native addon could be loaded. Build it with \`npx fathom build\` (or allow this package's install script).\n` +
      failures.map((f) => `  - ${f}`).join('\n'),
  );
}
