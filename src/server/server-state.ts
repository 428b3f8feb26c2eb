// What every route of one server shares: the model, its name, who may generate, the metrics and the
// settings a request falls back on.
import type { GenerateOptions, Model } from '../index.js';
import type { Admission } from './admission.js';
import { ApiError } from './api-error.js';
import type { ServerMetrics } from './server-metrics.js';

export interface ServerState {
  model: Model;
  /** The id clients name the model by. */
  modelName: string;
  admission: Admission;
  metrics: ServerMetrics;
  /** Sampling a request that sends no parameter gets. */
  defaults: GenerateOptions;
  /** Most milliseconds a request may take, queueing included. */
  timeoutMs: number;
  embeddings: boolean;
}

/** 404 unless the request names this server's model (or none). */
export function checkModelName(state: ServerState, requested: string | undefined): void {
  if (requested === undefined || requested === state.modelName) return;
  throw new ApiError(404, 'not_found_error', `the model '${requested}' does not exist on this server; it serves '${state.modelName}'`, {
    param: 'model',
    code: 'model_not_found',
  });
}

/** Seconds since the epoch, as OpenAI's `created` fields. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
