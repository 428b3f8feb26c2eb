// How the CLI prints values: metadata values shortened, counts with SI suffixes, bigints in JSON.
import type { GgufValue } from '../gguf/gguf-info.js';

export function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function formatValue(value: GgufValue): string {
  if (Array.isArray(value)) {
    const head = value
      .slice(0, 6)
      .map((v) => formatValue(v))
      .join(', ');
    return `[${head}${value.length > 6 ? `, … (${value.length} items)` : ''}]`;
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  // GGUF floats are f32: 1e-5 is stored as 0.000009999999747…; seven significant digits print it back.
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(7)));
  return String(value);
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}
