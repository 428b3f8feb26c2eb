// Writes a random-weight model in a real architecture and shape, with a real
// vocabulary from the node-llama-cpp bundle, quantized with ggml's quantizers.
// Usage: node scripts/synthesize-model.mjs <out.gguf> --shape tinyllama-1.1b [--type Q4_0] [--arch llama] [--vocab llama-spm] [--seed 1]
// Shapes: tiny, tinyllama-1.1b, llama-3.2-1b, qwen2.5-0.5b.
import { parseArgs } from 'node:util';

import { SHAPES, synthesizeModel } from '../dist/testing.js';
import { bundleFile } from '../test/helpers/bundle.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    shape: { type: 'string', default: 'tiny' },
    type: { type: 'string', default: 'F32' },
    arch: { type: 'string' },
    vocab: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
const shape = SHAPES[values.shape];
if (positionals.length !== 1 || !shape) {
  console.error(
    `usage: synthesize-model.mjs <out.gguf> --shape <${Object.keys(SHAPES).join('|')}> [--type Q4_0] [--arch llama] [--vocab llama-spm] [--seed 1]`,
  );
  process.exit(1);
}
const started = performance.now();
await synthesizeModel(positionals[0], {
  architecture: values.arch ?? shape.architecture ?? 'llama',
  shape,
  type: values.type,
  seed: Number(values.seed),
  vocabularyFrom: await bundleFile(`models/ggml-vocab-${values.vocab ?? shape.vocabulary ?? 'llama-spm'}.gguf`),
});
console.log(`${positionals[0]}: ${values.shape} ${values.type} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
