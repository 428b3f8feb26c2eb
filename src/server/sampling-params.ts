// The sampling parameters /v1/chat/completions and /v1/completions share: their JSON Schema (what a
// request may send; null means "not given", as OpenAI's SDKs send it) and their GenerateOptions.
import type { GenerateOptions } from '../index.js';

/** A schema that also takes null. */
export function nullable(schema: Record<string, unknown>): Record<string, unknown> {
  return { anyOf: [schema, { type: 'null' }] };
}

const MAX_STOPS = 16;

export const SAMPLING_PROPERTIES = {
  model: { type: 'string' },
  stream: nullable({ type: 'boolean' }),
  stream_options: nullable({ type: 'object', properties: { include_usage: { type: 'boolean' } }, additionalProperties: false }),
  max_tokens: nullable({ type: 'integer', minimum: 0 }),
  temperature: nullable({ type: 'number', minimum: 0 }),
  top_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  stop: nullable({
    anyOf: [
      { type: 'string', minLength: 1 },
      { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: MAX_STOPS },
    ],
  }),
  seed: nullable({ type: 'integer' }),
  presence_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
  frequency_penalty: nullable({ type: 'number', minimum: -2, maximum: 2 }),
  logit_bias: nullable({
    type: 'object',
    propertyNames: { pattern: '^(0|[1-9][0-9]{0,9})$' },
    additionalProperties: { type: 'number', minimum: -100, maximum: 100 },
  }),
  n: nullable({ type: 'integer', const: 1 }),
  user: nullable({ type: 'string' }),
  // llama-server's extensions, under its names.
  top_k: nullable({ type: 'integer', minimum: 0 }),
  min_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  typical_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
  repeat_penalty: nullable({ type: 'number', exclusiveMinimum: 0 }),
} as const;

/** The parameters above as a request carries them (after schema validation). */
export interface SamplingParams {
  model?: string;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  stop?: string | string[] | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  n?: number | null;
  user?: string | null;
  top_k?: number | null;
  min_p?: number | null;
  typical_p?: number | null;
  repeat_penalty?: number | null;
}

/** llama-server's sampling defaults: what a client that sends no temperature gets. */
export const SERVER_SAMPLING_DEFAULTS: GenerateOptions = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 };

// OpenAI's seeds are any integer; ours are in [0, 2^32): the same integer always maps to the same seed.
function seed32(seed: number): number {
  return ((seed % 2 ** 32) + 2 ** 32) % 2 ** 32;
}

/** GenerateOptions from a request's sampling parameters over the server's defaults (null = not given). */
export function samplingOptions(params: SamplingParams, defaults: GenerateOptions, maxTokens: number | null | undefined): GenerateOptions {
  const given = <T>(value: T | null | undefined): value is T => value !== undefined && value !== null;
  const options: GenerateOptions = { ...defaults };
  if (given(maxTokens)) options.maxTokens = maxTokens;
  if (given(params.temperature)) options.temperature = params.temperature;
  if (given(params.top_p)) options.topP = params.top_p;
  if (given(params.top_k)) options.topK = params.top_k;
  if (given(params.min_p)) options.minP = params.min_p;
  if (given(params.typical_p)) options.typicalP = params.typical_p;
  if (given(params.repeat_penalty)) options.repeatPenalty = params.repeat_penalty;
  if (given(params.presence_penalty)) options.presencePenalty = params.presence_penalty;
  if (given(params.frequency_penalty)) options.frequencyPenalty = params.frequency_penalty;
  if (given(params.seed)) options.seed = seed32(params.seed);
  if (given(params.stop)) options.stop = typeof params.stop === 'string' ? [params.stop] : params.stop;
  // OpenAI's -100 bans a token; its other values are added to the logit, as llama-server adds them.
  if (given(params.logit_bias))
    options.logitBias = Object.entries(params.logit_bias).map(([token, bias]) => [Number(token), bias <= -100 ? -Infinity : bias] as [number, number]);
  return options;
}
