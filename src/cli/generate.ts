// `fathom generate <file.gguf> -p "<prompt>"`: streams a completion to stdout; Ctrl-C stops it.

import { FathomError } from '../errors.js';
import { parseCommand, usageError } from './usage.js';
import { withModel } from './with-model.js';

export async function runGenerate(args: string[]): Promise<number> {
  const { values, positionals, number } = parseCommand('generate', args, {
    prompt: { type: 'string', short: 'p' },
    'n-predict': { type: 'string', short: 'n' },
    temperature: { type: 'string' },
    seed: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    'min-p': { type: 'string' },
    threads: { type: 'string', short: 't' },
    ctx: { type: 'string', short: 'c' },
    stop: { type: 'string', multiple: true },
  });
  if (positionals.length !== 1) usageError('generate takes exactly one model file');
  const { prompt } = values;
  if (prompt === undefined) usageError('generate needs a prompt: -p "<text>"');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  await withModel(
    positionals[0],
    { threads: number('threads', { integer: true, min: 1 }), contextSize: number('ctx', { integer: true, min: 1 }) },
    async (model) => {
      const stream = model.generate(prompt, {
        maxTokens: number('n-predict', { integer: true, min: 0 }),
        temperature: number('temperature', { min: 0 }),
        seed: number('seed', { integer: true, min: 0 }),
        topK: number('top-k', { integer: true, min: 0 }),
        topP: number('top-p'),
        minP: number('min-p'),
        stop: values.stop,
        signal: controller.signal,
      });
      // The first chunk before the prompt is echoed: bad options fail before anything is printed.
      const first = await stream.next();
      process.stdout.write(prompt);
      try {
        if (!first.done) process.stdout.write(first.value.text);
        for await (const chunk of stream) process.stdout.write(chunk.text);
        process.stdout.write('\n');
      } catch (error) {
        // Ctrl-C, or a model that never ended before the context filled: what was generated stays printed.
        if (!(error instanceof FathomError && (error.code === 'ABORTED' || error.code === 'CONTEXT_FULL'))) throw error;
        process.stdout.write('\n');
        if (error.code === 'CONTEXT_FULL') console.error('fathom: stopped: the context is full; pass -n N, or a larger --ctx');
      }
    },
  );
  return 0;
}
