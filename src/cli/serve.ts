// `fathom serve <file.gguf>`: the OpenAI-compatible server (fathom-llm/server) on a loaded model,
// until Ctrl-C or SIGTERM, which finish the requests in flight and free the model.
import { isIP } from 'node:net';

import { loadModel } from '../model.js';
import { createServer, defaultModelName } from '../server/create-server.js';
import { parseCommand, usageError } from './usage.js';

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function runServe(args: string[]): Promise<number> {
  const { values, positionals, number } = parseCommand('serve', args, {
    host: { type: 'string' },
    port: { type: 'string' },
    parallel: { type: 'string' },
    ctx: { type: 'string', short: 'c' },
    threads: { type: 'string', short: 't' },
    'api-key': { type: 'string' },
    embeddings: { type: 'boolean' },
    name: { type: 'string' },
    queue: { type: 'string' },
    timeout: { type: 'string' },
    verbose: { type: 'boolean' },
  });
  if (positionals.length !== 1) usageError('serve takes exactly one model file');
  const host = values.host ?? '127.0.0.1';
  const port = number('port', { integer: true, min: 0 }) ?? 8080;
  if (port > 65535) usageError(`--port must be at most 65535, got ${port}`);
  const apiKey = values['api-key'] ?? process.env.FATHOM_API_KEY;
  const model = await loadModel(positionals[0]!, {
    sequences: number('parallel', { integer: true, min: 1 }) ?? 4,
    contextSize: number('ctx', { integer: true, min: 1 }),
    threads: number('threads', { integer: true, min: 1 }),
  });
  const timeout = number('timeout', { min: 1 });
  const queueSize = number('queue', { integer: true, min: 0 });
  const server = createServer(model, {
    ...(values.name ? { modelName: values.name } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(values.embeddings ? { embeddings: true } : {}),
    ...(timeout !== undefined ? { timeout } : {}),
    ...(queueSize !== undefined ? { queueSize } : {}),
    logger: values.verbose ? { level: 'info' } : false,
  });
  const address = await server.listen({ host, port });
  if (!isLoopback(host) && !apiKey)
    console.error(`fathom: warning: listening on ${host} with no API key: anyone who can reach this port can use the model (pass --api-key)`);
  console.error(
    `fathom: serving ${positionals[0]} as '${values.name ?? defaultModelName(model)}' with ${model.context.sequences} sequences of ${model.context.contextSize} tokens`,
  );
  console.log(`fathom: listening on ${address} (OpenAI API at ${address}/v1)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.error('fathom: stopping: finishing the requests in flight');
  await server.close();
  await model.dispose();
  return 0;
}
