// The `fathom` command's help text, the error a wrong command line gets (it ends with the help),
// and the argument parsing every command shares.
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { FathomError } from '../errors.js';
import { closestKey } from '../options.js';

export const USAGE = `Usage:
  fathom inspect <file.gguf> [--json] [--tensors]
  fathom inspect --system [--json]     the native addon: where it loaded from, compiler, CPU variant and features, devices
  fathom generate <file.gguf> -p "<prompt>" [-n N] [--temperature T] [--seed S] [--top-k K] [--top-p P] [--min-p P] [--stop S]... [--threads N] [--ctx N]
  fathom perplexity <file.gguf> --file <text.txt> [--ctx N] [--chunks N] [--threads N]
  fathom inspect-text <file.gguf> -p "<text>" [--out report.html] [--layers 0,1,...] [--threads N]
  fathom quantize <in.gguf> <out.gguf> --type <q4_k_m|q8_0|...>
  fathom serve <file.gguf> [--host 127.0.0.1] [--port 8080] [--parallel 4] [--ctx N] [--api-key KEY] [--embeddings] [--name ID] [--queue 64] [--timeout 600] [--threads N] [--verbose]
      an OpenAI-compatible server (--ctx: positions per sequence; --parallel: requests generated together)
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

/** A numeric flag's value: undefined when absent; a usage error naming the flag when it is not a plain decimal or breaks `rule`. */
export type NumberOption = (name: string, rule?: { integer?: boolean; min?: number }) => number | undefined;

/**
 * parseArgs with positionals allowed, where an option's value may be a negative number
 * (`-n -5`, which parseArgs alone takes for an unknown option `-5`); `number` reads numeric flags.
 */
export function parseCommand<T extends Options>(
  command: string,
  args: string[],
  options: T,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T }>> & { number: NumberOption } {
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
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T }>>;
  try {
    parsed = parseArgs({ args: joined, allowPositionals: true, options });
  } catch (error) {
    // parseArgs's own text suggests nothing and knows no command: say which flag, what was meant, and this command's usage.
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    if (!unknown) throw new FathomError('INVALID_ARGUMENT', `${(error as Error).message}\n\n${commandUsage(command)}`);
    const flags = Object.keys(options).map((name) => `--${name}`);
    const suggestion = unknown.startsWith('--') ? closestKey(unknown, flags) : undefined;
    throw new FathomError(
      'INVALID_ARGUMENT',
      `${command}: unknown option '${unknown}'${suggestion ? ` — did you mean '${suggestion}'?` : ''}\n\n${commandUsage(command)}`,
    );
  }
  const values = parsed.values as Record<string, unknown>;
  const number: NumberOption = (name, rule = {}) => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const text = String(raw);
    const n = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
    if (!Number.isFinite(n) || (rule.integer && !Number.isInteger(n)) || (rule.min !== undefined && n < rule.min)) {
      // Named as it may have been typed: "-n/--n-predict".
      const short = options[name]?.short;
      const wanted = `${rule.integer ? 'an integer' : 'a number'}${rule.min !== undefined ? ` >= ${rule.min}` : ''}`;
      usageError(`${short ? `-${short}/` : ''}--${name} expects ${wanted}, got "${text}"`);
    }
    return n;
  };
  return { ...parsed, number };
}

export function usageError(message: string): never {
  throw new FathomError('INVALID_ARGUMENT', `${message}\n\n${USAGE}`);
}
