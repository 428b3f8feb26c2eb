#!/usr/bin/env node
// The `fathom` command: dispatches to one module per command (each `run<Command>(args)`),
// and prints failures as one line with their code.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { FathomError } from '../errors.js';
import { runBuild } from './build.js';
import { runGenerate } from './generate.js';
import { runInspectText } from './inspect-text.js';
import { runInspect } from './inspect.js';
import { runPerplexity } from './perplexity.js';
import { runQuantize } from './quantize.js';
import { runServe } from './serve.js';
import { packageRoot } from '../native/addon.js';
import { commandUsage, USAGE, usageError } from './usage.js';

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  build: runBuild,
  generate: runGenerate,
  inspect: runInspect,
  'inspect-text': runInspectText,
  perplexity: runPerplexity,
  quantize: runQuantize,
  serve: runServe,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command) {
    process.stderr.write(USAGE);
    return 1;
  }
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(rest[0] && Object.hasOwn(COMMANDS, rest[0]) ? commandUsage(rest[0]) : USAGE);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    const { version } = JSON.parse(await readFile(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`fathom-llm ${version}\n`);
    return 0;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) usageError(`unknown command "${command}"`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandUsage(command));
    return 0;
  }
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
