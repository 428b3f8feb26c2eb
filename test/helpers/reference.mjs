// Runs node-llama-cpp in a child process to produce reference outputs for a test.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'reference', 'llama-cpp.mjs');

/** See test/reference/llama-cpp.mjs for the request and response shapes. */
export async function llamaCppReference(request) {
  const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, JSON.stringify(request)], { maxBuffer: 64 << 20 });
  const line = stdout.trim().split('\n').pop();
  return JSON.parse(line);
}
