// `fathom perplexity <file.gguf> --file <text.txt>`: llama.cpp's perplexity method, with a progress bar.
import { readFile } from 'node:fs/promises';

import { openError } from '../errors.js';

import { parseCommand, usageError } from './usage.js';
import { withModel } from './with-model.js';

export async function runPerplexity(args: string[]): Promise<number> {
  const { values, positionals, number } = parseCommand('perplexity', args, {
    file: { type: 'string', short: 'f' },
    ctx: { type: 'string', short: 'c' },
    chunks: { type: 'string' },
    threads: { type: 'string', short: 't' },
  });
  if (positionals.length !== 1) usageError('perplexity takes exactly one model file');
  if (!values.file) usageError('perplexity needs --file <text.txt>');
  const text = await readFile(values.file, 'utf8').catch((error: unknown) => {
    throw openError(error, `--file ${values.file}`, 'read');
  });
  const chunkSize = number('ctx', { integer: true, min: 4 }) ?? 512;
  await withModel(
    positionals[0],
    { threads: number('threads', { integer: true, min: 1 }), contextSize: chunkSize, batchSize: Math.min(chunkSize, 512) },
    async (model) => {
      // Said with the flag here: the library's message names its own option (chunkSize).
      const tokens = model.tokenize(text).length;
      if (tokens < 2 * chunkSize)
        usageError(`the text has ${tokens} tokens; --ctx ${chunkSize} needs at least ${2 * chunkSize} (two chunks): pass a smaller --ctx (at least 4)`);
      const started = performance.now();
      const tty = process.stderr.isTTY;
      const result = await model.perplexity(text, {
        chunkSize,
        chunks: number('chunks', { integer: true, min: 1 }),
        onProgress: ({ chunk, chunks, perplexity }) => {
          const width = 30;
          const done = Math.round((chunk / chunks) * width);
          const eta = (((performance.now() - started) / chunk) * (chunks - chunk)) / 1000;
          const line = `[${'='.repeat(done)}${' '.repeat(width - done)}] ${chunk}/${chunks}  PPL ${perplexity.toFixed(4)}  ETA ${eta.toFixed(0)} s`;
          process.stderr.write(tty ? `\r${line}` : `${line}\n`);
        },
      });
      if (tty) process.stderr.write('\n');
      console.log(`Final estimate: PPL = ${result.perplexity.toFixed(4)} +/- ${result.error.toFixed(5)}`);
      console.log(
        `(${result.chunks} chunks of ${result.chunkSize} tokens, ${result.scored} tokens scored, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      );
    },
  );
  return 0;
}
