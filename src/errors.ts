// The one error type of the public API. Native failures arrive already as
// FathomError (the class is handed to the addon at load), so callers can
// always branch on `error.code`.

/** Every error code, in the order native/core/error.h defines them (a test compares the two). */
export const FATHOM_ERROR_CODES = [
  'FILE_NOT_FOUND',
  'INVALID_GGUF',
  'UNSUPPORTED_ARCHITECTURE',
  'INVALID_ARGUMENT',
  'CONTEXT_FULL',
  'INVALID_GRAMMAR',
  'INCOMPLETE_OUTPUT',
  'TEMPLATE_ERROR',
  'ABORTED',
  'DISPOSED',
  'BUSY',
  'OUT_OF_MEMORY',
  'COMPUTE_FAILED',
  'NATIVE_LOAD_FAILED',
  'INTERNAL',
] as const;

export type FathomErrorCode = (typeof FATHOM_ERROR_CODES)[number];

// The ESM and CJS builds each define this class, but share one addon; a global
// brand makes `instanceof FathomError` true for errors made by either copy.
const BRAND = Symbol.for('fathom-llm.FathomError');

export class FathomError extends Error {
  readonly code: FathomErrorCode;

  constructor(code: FathomErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    // An abort is also what DOM-style code checks for (`error.name === 'AbortError'`, as fetch and
    // AbortSignal.timeout reject); instanceof FathomError and code 'ABORTED' hold all the same.
    this.name = code === 'ABORTED' ? 'AbortError' : 'FathomError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

export function invalidArgument(message: string): FathomError {
  return new FathomError('INVALID_ARGUMENT', message);
}

/**
 * A file that could not be opened, as a FathomError: FILE_NOT_FOUND when it (to read) or its folder
 * (to write) does not exist; `what` names it in the message (a path, or "--file <path>").
 */
export function openError(error: unknown, what: string, mode: 'read' | 'write'): FathomError {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ENOENT')
    return new FathomError('FILE_NOT_FOUND', mode === 'read' ? `${what}: no such file` : `cannot write ${what}: its folder does not exist`, { cause: error });
  const why = code ?? (error as Error).message;
  return mode === 'read'
    ? new FathomError('FILE_NOT_FOUND', `${what}: cannot open (${why})`, { cause: error })
    : new FathomError('INVALID_ARGUMENT', `cannot write ${what} (${why})`, { cause: error });
}

/** ABORTED, with the signal's reason (an AbortSignal's `reason`) as its cause. */
export function abortedError(signal?: AbortSignal): FathomError {
  return new FathomError('ABORTED', 'the operation was aborted', signal ? { cause: signal.reason } : undefined);
}

/** A value as an error message shows it: numbers as they are, anything else with its type (`"512" (string)`). */
export function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)} (string)`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `${typeof value === 'object' ? 'an object' : String(value)} (${typeof value})`;
}
