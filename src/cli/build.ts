// `fathom build [--cuda|--vulkan|--metal|--hip] [cmake-js options]`: builds the addon from source.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

import { packageRoot } from '../native/addon.js';

export function runBuild(args: string[]): Promise<number> {
  const script = path.join(packageRoot(), 'scripts', 'build-native.mjs');
  return Promise.resolve(spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' }).status ?? 1);
}
