#!/usr/bin/env node
// The `fathom` command: dispatches to one module per command (each `run<Command>(args)`),
// and prints failures as one line with their code.
import { FathomError } from '../errors.js';
import { runBuild } from './build.js';
import { runGenerate } from './generate.js';
import { runInspectText } from './inspect-text.js';
import { runInspect } from './inspect.js';
import { runPerplexity } from './perplexity.js';
import { runQuantize } from './quantize.js';
import { USAGE, usageError } from './usage.js';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  build: runBuild,
  generate: runGenerate,
  inspect: runInspect,
  'inspect-text': runInspectText,
  perplexity: runPerplexity,
  quantize: runQuantize,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command ? 0 : 1;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) usageError(`unknown command "${command}"`);
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof FathomError) console.error(`fathom: ${error.message} [${error.code}]`);
    else if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
      console.error(`fathom: ${error.message}\n\n${USAGE}`);
    else console.error(error);
    process.exitCode = 1;
  },
);
