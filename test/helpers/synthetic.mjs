// Synthetic random-weight models for tests, cached in the OS temp dir (never in ../shared).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { SHAPES, synthesizeModel } from '../../dist/testing.js';
import { bundleFile, bundleText } from './bundle.mjs';

const CACHE = path.join(os.tmpdir(), 'fathom-llm-models');

/**
 * Path of a tiny synthetic model of `architecture` in weight type `type`, made once and reused;
 * `chatTemplate` names a template of the bundle's models/templates/ for the file to carry.
 */
export async function syntheticModel({ architecture = 'llama', type = 'F32', vocab = 'llama-spm', seed = 7, ropeFactors = false, chatTemplate } = {}) {
  const template = chatTemplate === undefined ? undefined : await bundleText(`models/templates/${chatTemplate}.jinja`);
  const templateTag = template === undefined ? '' : `-t${createHash('sha256').update(template).digest('hex').slice(0, 10)}`;
  const file = path.join(CACHE, `${architecture}${ropeFactors ? '-ropefreqs' : ''}-tiny-${vocab}-${type}-s${seed}${templateTag}-v4.gguf`);
  if (existsSync(file)) return file;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await synthesizeModel(tmp, {
    architecture,
    shape: SHAPES.tiny,
    vocabularyFrom: await bundleFile(`models/ggml-vocab-${vocab}.gguf`),
    type,
    seed,
    ropeFactors,
    chatTemplate: template,
  });
  renameSync(tmp, file);
  return file;
}
