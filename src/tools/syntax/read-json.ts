// Reads one JSON value out of a longer text (a call's arguments inside markup).

/** The JSON value starting at `at` (after whitespace) and where it ends, or null if there is none there. */
export function readJson(text: string, at: number): { value: unknown; end: number } | null {
  let start = at;
  while (start < text.length && /\s/.test(text[start]!)) start++;
  const end = jsonEnd(text, start);
  if (end < 0) return null;
  try {
    return { value: JSON.parse(text.slice(start, end)), end };
  } catch {
    return null;
  }
}

// Where the value at `start` ends: brackets matched outside strings; a scalar runs to a delimiter.
function jsonEnd(text: string, start: number): number {
  const first = text[start];
  if (first === undefined) return -1;
  if (first !== '{' && first !== '[' && first !== '"') {
    const m = /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(text.slice(start, start + 400));
    return m ? start + m[0].length : -1;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (i >= text.length) return -1;
      if (depth === 0) return i + 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/** A JSON object's own value, or null if `value` is not a plain object. */
export function asObject(value: unknown): { [key: string]: unknown } | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { [key: string]: unknown }) : null;
}
