// The benchmark models: real shapes and vocabularies with random weights, synthesized once with
// the project's GGUF writer, quantized with ggml, and cached in the OS temp folder (never in
// ../shared). Shared by the benchmark scripts.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { quantizeFile } from '../dist/index.js';
import { SHAPES, synthesizeModel } from '../dist/testing.js';
import { bundleFile } from '../test/helpers/bundle.mjs';

const CACHE = path.join(os.tmpdir(), 'fathom-llm-bench');

// name -> [shape, preset]: an F16 model of the shape is synthesized, then quantized with the preset.
const NAMED = {
  'tinyllama-q4_0': ['tinyllama-1.1b', 'q4_0'],
  'tinyllama-q8_0': ['tinyllama-1.1b', 'q8_0'],
  'tinyllama-q4_k_m': ['tinyllama-1.1b', 'q4_k_m'],
  'qwen2.5-0.5b-q8_0': ['qwen2.5-0.5b', 'q8_0'],
  'llama-3.2-1b-q4_k_m': ['llama-3.2-1b', 'q4_k_m'],
};
export const DEFAULT_MODELS = ['tinyllama-q4_0', 'tinyllama-q8_0', 'tinyllama-q4_k_m', 'qwen2.5-0.5b-q8_0'];

/** The path of a named benchmark model (synthesized on first use), or `name` itself: a path. */
export async function modelFile(name) {
  if (!NAMED[name]) return name;
  const [shapeName, preset] = NAMED[name];
  mkdirSync(CACHE, { recursive: true });
  const file = path.join(CACHE, `${name}.gguf`);
  if (existsSync(file)) return file;
  const shape = SHAPES[shapeName];
  const f16 = path.join(CACHE, `${shapeName}-f16.gguf`);
  if (!existsSync(f16)) {
    process.stderr.write(`synthesizing ${shapeName} (F16)...\n`);
    await synthesizeModel(`${f16}.tmp`, {
      architecture: shape.architecture,
      shape,
      type: 'F16',
      seed: 1,
      vocabularyFrom: await bundleFile(`models/ggml-vocab-${shape.vocabulary}.gguf`),
    });
    renameSync(`${f16}.tmp`, f16);
  }
  process.stderr.write(`quantizing ${name}...\n`);
  await quantizeFile(f16, `${file}.tmp`, preset);
  renameSync(`${file}.tmp`, file);
  return file;
}
