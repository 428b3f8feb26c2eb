// npm install hook: use a prebuilt addon when one exists for this platform,
// otherwise build from source (deps/ggml comes from the tarball, or from the
// node-llama-cpp bundle in a git checkout). FATHOM_SKIP_BUILD=1 skips it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildNative } from './build-native.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const isCheckout = existsSync(path.join(ROOT, '.git'));
const prebuilt = path.join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`, 'fathom-llm.node');

if (process.env.FATHOM_SKIP_BUILD) {
  console.log('fathom-llm: FATHOM_SKIP_BUILD is set; not building the native addon');
} else if (!isCheckout && existsSync(prebuilt)) {
  console.log(`fathom-llm: using the prebuilt addon for ${process.platform}-${process.arch}`);
} else {
  await buildNative();
}
