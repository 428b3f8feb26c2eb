// Options objects are checked for keys nothing reads: a typo (`maxToken`) is an
// INVALID_ARGUMENT naming the closest known key, as the OpenAI API rejects unknown
// parameters, instead of an option silently ignored. A leaf: it imports only errors.
import { describe, invalidArgument } from './errors.js';

/** The keys of an options type, as a value the compiler checks is complete: `{ a: true, b: true } satisfies KeySet<T>`. */
export type KeySet<T> = { readonly [K in keyof Required<T>]: true };

// Edit distance, for "did you mean".
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** The known key closest to `key`, if one is close enough to be what was meant. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : distance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** INVALID_ARGUMENT unless `value` is undefined or a boolean (a string such as 'false' is not one). */
export function checkBoolean(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'boolean') throw invalidArgument(`${name} must be a boolean, got ${describe(value)}`);
}

/** INVALID_ARGUMENT unless `value` is undefined or a plain object. */
export function checkPlainObject(value: unknown, name: string): asserts value is object | undefined {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw invalidArgument(`${name} must be an object, got ${describe(value)}`);
  }
}

/**
 * INVALID_ARGUMENT unless `options` is undefined or a plain object whose keys are all in `known`.
 * `what` names the options in the message ("generate options", "dry").
 */
export function checkOptions(options: unknown, known: KeySet<object> | Readonly<Record<string, true>>, what: string): void {
  checkPlainObject(options, what);
  if (options === undefined) return;
  const keys = Object.keys(known);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(known, key)) continue;
    const suggestion = closestKey(key, keys);
    throw invalidArgument(`unknown option '${key}' in ${what}${suggestion ? ` — did you mean '${suggestion}'?` : ''} (known: ${keys.join(', ')})`);
  }
}
