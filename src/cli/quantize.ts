// `fathom quantize <in.gguf> <out.gguf> --type <preset>`: a file's weights through ggml's quantizers.
import { parseArgs } from 'node:util';

import { PRESETS } from '../quantize/quantization-mix.js';
import { quantizeFile } from '../quantize/quantize-file.js';
import { formatCount } from './format.js';
import { usageError } from './usage.js';

export async function runQuantize(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { type: { type: 'string' } } });
  if (positionals.length !== 2) usageError('quantize takes an input and an output file');
  if (!values.type) usageError(`quantize needs --type (one of: ${Object.keys(PRESETS).join(', ')})`);
  const started = performance.now();
  const report = await quantizeFile(positionals[0]!, positionals[1]!, values.type);
  const counts = new Map<string, number>();
  for (const t of report.tensors) counts.set(t.to, (counts.get(t.to) ?? 0) + 1);
  console.log(
    `${positionals[1]}: ${formatCount(report.bytesIn)}B -> ${formatCount(report.bytesOut)}B in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(${[...counts].map(([type, n]) => `${type} ×${n}`).join(', ')})`,
  );
  return 0;
}
