// Generation options: defaults and validation (policy lives in TS; the native
// sampler re-checks ranges so nothing invalid reaches it either way).
import { invalidArgument } from './errors.js';
import type { NativeSamplerOptions } from './native/contract.js';

export interface GenerateOptions {
  /** Most tokens to generate. Default: until EOS or the context is full. */
  maxTokens?: number;
  /** 0 = greedy (default). */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 = off (default). */
  topK?: number;
  /** Nucleus sampling; 1 = off (default). */
  topP?: number;
  /** Drop tokens below minP × the top probability; 0 = off (default). */
  minP?: number;
  /** Same seed + same prompt + same options = same output. Default: random. */
  seed?: number;
  /** Stop before the first occurrence of any of these strings (not included in the text). */
  stop?: string[];
  /** Keep generating after end-of-generation tokens. */
  ignoreEos?: boolean;
  signal?: AbortSignal;
}

export interface ResolvedGenerateOptions {
  maxTokens: number;
  sampler: NativeSamplerOptions;
  stop: string[];
  ignoreEos: boolean;
  signal?: AbortSignal;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw invalidArgument(message);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function resolveGenerateOptions(options: GenerateOptions = {}): ResolvedGenerateOptions {
  check(typeof options === 'object' && options !== null, 'options must be an object');
  const { maxTokens = Infinity, temperature = 0, topK = 0, topP = 1, minP = 0, stop = [], ignoreEos = false, signal } = options;
  check(maxTokens === Infinity || isNonNegativeInteger(maxTokens), `maxTokens must be a non-negative integer, got ${maxTokens}`);
  check(typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0, `temperature must be a finite number >= 0, got ${temperature}`);
  check(isNonNegativeInteger(topK) && topK <= 2 ** 31 - 1, `topK must be a non-negative integer, got ${topK}`);
  check(typeof topP === 'number' && topP > 0 && topP <= 1, `topP must be in (0, 1], got ${topP}`);
  check(typeof minP === 'number' && minP >= 0 && minP <= 1, `minP must be in [0, 1], got ${minP}`);
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
  check(isNonNegativeInteger(seed), `seed must be a non-negative safe integer, got ${options.seed}`);
  check(Array.isArray(stop) && stop.every((s) => typeof s === 'string' && s.length > 0), 'stop must be an array of non-empty strings');
  check(typeof ignoreEos === 'boolean', 'ignoreEos must be a boolean');
  check(signal === undefined || signal instanceof AbortSignal, 'signal must be an AbortSignal');
  return { maxTokens, sampler: { temperature, topK, topP, minP, seed }, stop: [...stop], ignoreEos, signal };
}
