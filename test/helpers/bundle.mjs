// Files from the llama.cpp git bundle inside node-llama-cpp (vocab fixtures and
// their .inp/.out vectors), read straight from the bundle and cached in the OS temp dir.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

import { ensureBareClone, PINNED } from '../../scripts/extract-ggml.mjs';

const CACHE = path.join(os.tmpdir(), 'fathom-llm-fixtures', PINNED.commit.slice(0, 12));

/** Path of a cached copy of `relativePath` (e.g. "models/ggml-vocab-llama-spm.gguf") at the pinned commit. */
export async function bundleFile(relativePath) {
  const target = path.join(CACHE, relativePath.replaceAll('/', '__'));
  if (existsSync(target)) return target;
  const clone = await ensureBareClone();
  const bytes = execFileSync('git', ['--git-dir', clone, 'show', `${PINNED.commit}:${relativePath}`], { maxBuffer: 1 << 30 });
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${target}.${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, target);
  return target;
}

/** The text of `relativePath` at the pinned commit (e.g. a chat template). */
export async function bundleText(relativePath) {
  const { readFile } = await import('node:fs/promises');
  return readFile(await bundleFile(relativePath), 'utf8');
}
