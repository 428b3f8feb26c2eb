// The `fathom` command's help text, and the error a wrong command line gets (it ends with the help).
import { FathomError } from '../errors.js';

export const USAGE = `Usage:
  fathom inspect <file.gguf> [--json]
  fathom inspect --system [--json]     the native addon: where it loaded from, compiler, CPU variant and features, devices
  fathom generate <file.gguf> -p "<prompt>" [-n N] [--temperature T] [--seed S] [--top-k K] [--top-p P] [--min-p P] [--threads N] [--ctx N]
  fathom perplexity <file.gguf> --file <text.txt> [--ctx N] [--chunks N] [--threads N]
  fathom inspect-text <file.gguf> -p "<text>" [--out report.html] [--layers 0,1,...] [--threads N]
  fathom quantize <in.gguf> <out.gguf> --type <q4_k_m|q8_0|...>
  fathom build [--cuda|--vulkan|--metal|--hip] [cmake-js options]
                                       build the native addon from source (with a GPU backend)
`;

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
