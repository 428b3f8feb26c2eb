// `fathom quantize <in.gguf> <out.gguf> --type <preset>`: a file's weights through ggml's quantizers.

import { PRESETS } from '../quantize/quantization-mix.js';
import { quantizeFile } from '../quantize/quantize-file.js';
import { formatCount } from './format.js';
import { parseCommand, usageError } from './usage.js';

export async function runQuantize(args: string[]): Promise<number> {
  const { values, positionals } = parseCommand('quantize', args, { type: { type: 'string' } });
  if (positionals.length !== 2) usageError('quantize takes an input and an output file');
  if (!values.type) usageError(`quantize needs --type (one of: ${Object.keys(PRESETS).join(', ')})`);
  const started = performance.now();
  const report = await quantizeFile(positionals[0]!, positionals[1]!, values.type);
  const counts = new Map<string, number>();
  for (const t of report.tensors) counts.set(t.to, (counts.get(t.to) ?? 0) + 1);
  // Rows that do not fit a type's blocks take another type, as in llama.cpp: say so.
  const fallbacks = new Map<string, number>();
  for (const t of report.tensors) if (t.wanted) fallbacks.set(`${t.wanted} -> ${t.to}`, (fallbacks.get(`${t.wanted} -> ${t.to}`) ?? 0) + 1);
  for (const [change, n] of fallbacks)
    console.log(
      `note: ${n} tensor${n === 1 ? '' : 's'} used ${change.split(' -> ')[1]} instead of ${change.split(' -> ')[0]} (rows not a multiple of its block size)`,
    );
  console.log(
    `${positionals[1]}: ${formatCount(report.bytesIn)}B -> ${formatCount(report.bytesOut)}B in ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(${[...counts].map(([type, n]) => `${type} ×${n}`).join(', ')})`,
  );
  return 0;
}
