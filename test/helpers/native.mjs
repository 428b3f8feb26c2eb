// Direct access to the addon for tests that must bypass the TS checks.
import { createRequire } from 'node:module';
import path from 'node:path';

import { FathomError } from '../../dist/index.js';
import { ROOT } from './fixtures.mjs';

const require = createRequire(import.meta.url);

export function loadAddon() {
  const addon = require(path.join(ROOT, 'build', 'Release', 'fathom.node'));
  addon.setErrorClass(FathomError);
  return addon;
}
