// `fathom inspect-text <file.gguf> -p "<text>" --out report.html`: a self-contained page of a
// text's tokens coloured by surprisal, with the model's alternatives and attention heatmaps.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { renderTextReport } from '../report/html-page.js';
import { collectTextReport } from '../report/text-report.js';
import { parseCommand, usageError } from './usage.js';
import { withModel } from './with-model.js';

export async function runInspectText(args: string[]): Promise<number> {
  const { values, positionals, number } = parseCommand('inspect-text', args, {
    prompt: { type: 'string', short: 'p' },
    out: { type: 'string', short: 'o' },
    layers: { type: 'string' },
    threads: { type: 'string', short: 't' },
  });
  if (positionals.length !== 1) usageError('inspect-text takes exactly one model file');
  const { prompt } = values;
  if (prompt === undefined) usageError('inspect-text needs a text: -p "<text>"');
  const layers = values.layers?.split(',').map((l) => {
    const n = /^\d+$/.test(l.trim()) ? Number(l) : NaN;
    if (!Number.isInteger(n)) usageError(`--layers expects comma-separated layer indices, got "${values.layers}"`);
    return n;
  });
  await withModel(positionals[0], { threads: number('threads', { integer: true, min: 1 }) }, async (model) => {
    const name = model.info.name ?? path.basename(positionals[0]);
    const data = await collectTextReport(model.context.evaluator, name, prompt, { layers });
    const out = values.out ?? 'report.html';
    await writeFile(out, renderTextReport(data));
    console.log(
      `${out}: ${data.tokens.length} tokens, perplexity ${data.perplexity.toFixed(3)}, attention of ${data.layers.length} layers × ${data.heads} heads`,
    );
  });
  return 0;
}
