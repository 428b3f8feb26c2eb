// Test fixtures: the shared trained model (skipped with a message when
// ../shared is absent) and a scratch folder that is never inside ../shared.
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const STORIES_260K = path.resolve(ROOT, '..', 'shared', 'models', 'stories260K.gguf');

/** node:test `skip` option: false when the model exists, else the reason. */
export const skipWithoutStories = existsSync(STORIES_260K)
  ? false
  : `../shared/models/stories260K.gguf not found (expected at ${STORIES_260K}); model tests skipped`;

export function scratchDir(prefix = 'fathom-test-') {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}
