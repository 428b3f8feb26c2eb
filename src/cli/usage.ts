// The `fathom` command's help text, the error a wrong command line gets (it ends with the help),
// and the argument parsing every command shares.
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { FathomError } from '../errors.js';

export const USAGE = `Usage:
  fathom inspect <file.gguf> [--json] [--tensors]
  fathom inspect --system [--json]     the native addon: where it loaded from, compiler, CPU variant and features, devices
  fathom generate <file.gguf> -p "<prompt>" [-n N] [--temperature T] [--seed S] [--top-k K] [--top-p P] [--min-p P] [--stop S]... [--threads N] [--ctx N]
  fathom perplexity <file.gguf> --file <text.txt> [--ctx N] [--chunks N] [--threads N]
  fathom inspect-text <file.gguf> -p "<text>" [--out report.html] [--layers 0,1,...] [--threads N]
  fathom quantize <in.gguf> <out.gguf> --type <q4_k_m|q8_0|...>
  fathom build [--cuda|--vulkan|--metal|--hip] [cmake-js options]
                                       build the native addon from source (with a GPU backend)
  fathom --version | <command> --help
`;

/** The help lines of one command. */
export function commandUsage(command: string): string {
  const lines = USAGE.split('\n');
  const own = lines.flatMap((line, i) =>
    line.startsWith(`  fathom ${command} `) ? [line, ...(lines[i + 1]?.startsWith('      ') ? [lines[i + 1]!] : [])] : [],
  );
  return `Usage:\n${own.join('\n')}\n`;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with positionals allowed, where an option's value may be a negative number
 * (`-n -5`, which parseArgs alone takes for an unknown option `-5`).
 */
export function parseCommand<T extends Options>(
  args: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T }>> {
  const takesValue = new Map<string, string>();
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'string') continue;
    takesValue.set(`--${name}`, name);
    if (spec.short) takesValue.set(`-${spec.short}`, name);
  }
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = takesValue.get(args[i]!);
    if (name && /^-\d|^-\.\d/.test(args[i + 1] ?? '')) joined.push(`--${name}=${args[++i]}`);
    else joined.push(args[i]!);
  }
  return parseArgs({ args: joined, allowPositionals: true, options });
}

export function usageError(message: string): never {
  throw new FathomError('INVALID_ARGUMENT', `${message}\n\n${USAGE}`);
}

/** A numeric option (`--ctx 512`), undefined when absent; a usage error when not a number. */
export function numberOption(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) usageError(`--${name} expects a number, got "${String(raw)}"`);
  return n;
}
