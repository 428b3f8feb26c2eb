// createServer(model): an OpenAI-compatible HTTP server on one loaded model, built on fastify (a
// well-kept framework: HTTP parsing, body limits, JSON Schema validation of every request through
// ajv, errors as values). All requests share the model's default context; its sequences are the
// continuous batch, and its cached sequences the prefix cache across requests.
import path from 'node:path';

import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';

import { FathomError, type GenerateOptions, type Model } from '../index.js';
import { checkOptions, closestKey, type KeySet } from '../options.js';
import { Admission } from './admission.js';
import { ApiError, toApiError } from './api-error.js';
import { chatCompletionsRoute } from './routes/chat-completions.js';
import { completionsRoute } from './routes/completions.js';
import { embeddingsRoute } from './routes/embeddings.js';
import { healthRoutes } from './routes/health.js';
import { modelsRoute } from './routes/models.js';
import { tokenizeRoutes } from './routes/tokenize.js';
import { SERVER_SAMPLING_DEFAULTS } from './sampling-params.js';
import { ServerMetrics } from './server-metrics.js';
import type { ServerState } from './server-state.js';

export interface ServerOptions {
  /** The id clients name the model by (GET /v1/models). Default: the file's name without `.gguf`. */
  modelName?: string;
  /** Requests must send `Authorization: Bearer <apiKey>` (all but GET /health). Default: none. */
  apiKey?: string;
  /** Requests that may wait for a sequence when all are generating; past it, 429. Default: 64. */
  queueSize?: number;
  /** Most seconds a request may take, waiting included. Default: 600. */
  timeout?: number;
  /** Largest request body in bytes (past it, 413). Default: 8 MiB. */
  bodyLimit?: number;
  /** Serve POST /v1/embeddings. Default: true for an encoder model (BERT), false otherwise (as llama-server's --embeddings). */
  embeddings?: boolean;
  /** Sampling for parameters a request leaves out. Default: llama-server's (temperature 0.8, top_k 40, top_p 0.95, min_p 0.05). */
  defaults?: GenerateOptions;
  /** fastify's logger option (pino). Default: false. */
  logger?: FastifyServerOptions['logger'];
}

const SERVER_KEYS = {
  modelName: true,
  apiKey: true,
  queueSize: true,
  timeout: true,
  bodyLimit: true,
  embeddings: true,
  defaults: true,
  logger: true,
} as const satisfies KeySet<ServerOptions>;

function positiveInteger(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) throw new FathomError('INVALID_ARGUMENT', `${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** The id a server names its model by unless told: the file's name without `.gguf`. */
export function defaultModelName(model: Model): string {
  return path.basename(model.info.path).replace(/\.gguf$/i, '');
}

function isEncoder(model: Model): boolean {
  const { architecture, metadata } = model.info;
  return architecture === 'bert' || metadata[`${architecture}.attention.causal`] === false;
}

// An ajv error's place as a parameter name: /messages/0/role -> messages[0].role.
function parameterOf(instancePath: string, missing?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (missing) parts.push(missing);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function validationError(error: FastifyError, known: readonly string[]): ApiError {
  const first = error.validation![0]!;
  const extra = (first.params as { additionalProperty?: string }).additionalProperty;
  if (first.keyword === 'additionalProperties' && extra !== undefined) {
    const param = parameterOf(first.instancePath, extra);
    const near = first.instancePath === '' ? closestKey(extra, known) : undefined;
    return new ApiError(400, 'invalid_request_error', `Unrecognized request argument supplied: ${param}${near ? ` (did you mean '${near}'?)` : ''}`, {
      param,
      code: 'unknown_parameter',
    });
  }
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  const param = parameterOf(first.instancePath, missing);
  if (first.keyword === 'required')
    return new ApiError(400, 'invalid_request_error', `Missing required parameter: '${param}'`, { param, code: 'missing_required_parameter' });
  const hint = first.keyword === 'const' && param === 'n' ? ' (this server generates one choice per request)' : '';
  return new ApiError(400, 'invalid_request_error', `'${param}' ${first.message ?? 'is invalid'}${hint}`, { param, code: 'invalid_value' });
}

/**
 * An OpenAI-compatible server on `model` (not yet listening: `await server.listen({ port })`, or
 * mount it). Concurrent requests generate together on the model's default context: load the model
 * with `sequences: N` to serve N at once.
 */
export function createServer(model: Model, options: ServerOptions = {}): FastifyInstance {
  checkOptions(options, SERVER_KEYS, 'createServer options');
  if (options.apiKey !== undefined && (typeof options.apiKey !== 'string' || !options.apiKey))
    throw new FathomError('INVALID_ARGUMENT', 'apiKey must be a non-empty string');
  const timeout = options.timeout ?? 600;
  if (typeof timeout !== 'number' || !(timeout > 0))
    throw new FathomError('INVALID_ARGUMENT', `timeout must be a positive number of seconds, got ${String(timeout)}`);
  const admission = new Admission(model.context.sequences, positiveInteger(options.queueSize, 'queueSize', 64));
  const state: ServerState = {
    model,
    modelName: options.modelName ?? defaultModelName(model),
    admission,
    metrics: new ServerMetrics(admission),
    defaults: options.defaults ?? SERVER_SAMPLING_DEFAULTS,
    timeoutMs: timeout * 1000,
    embeddings: options.embeddings ?? isEncoder(model),
  };
  const server = Fastify({
    logger: options.logger ?? false,
    bodyLimit: positiveInteger(options.bodyLimit, 'bodyLimit', 8 * 1024 * 1024),
    // A client that sends its request slowly is cut off (the response itself may stream for longer).
    requestTimeout: 60_000,
    // Requests are checked as sent: no type coercion, no defaults, nothing removed.
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false } },
  });
  const known = new Map<string, readonly string[]>();
  server.addHook('onRoute', (route) => {
    const body = (route.schema as { body?: { properties?: object } } | undefined)?.body;
    if (body?.properties) known.set(route.url, Object.keys(body.properties));
  });
  server.addHook('onRequest', async (request, reply) => {
    const endpoint = request.routeOptions.url ?? 'unknown';
    reply.raw.once('close', () => state.metrics.requests.inc({ endpoint, status: String(reply.raw.statusCode) }));
    if (options.apiKey === undefined || request.url === '/health') return;
    if (request.headers.authorization !== `Bearer ${options.apiKey}`)
      throw new ApiError(401, 'authentication_error', 'a valid API key is needed: send the header "Authorization: Bearer <key>"', { code: 'invalid_api_key' });
  });
  server.setErrorHandler(async (error: FastifyError, request, reply) => {
    let apiError: ApiError;
    if (error.validation) apiError = validationError(error, known.get(request.routeOptions.url ?? '') ?? []);
    else if (error instanceof ApiError || error instanceof FathomError) apiError = toApiError(error);
    else if (error.statusCode === 413)
      apiError = new ApiError(413, 'invalid_request_error', `the request body is larger than this server accepts`, { code: 'request_too_large' });
    else if (error.statusCode === 415)
      apiError = new ApiError(415, 'invalid_request_error', 'the request body must be JSON (Content-Type: application/json)', {
        code: 'unsupported_media_type',
      });
    else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
      apiError = new ApiError(error.statusCode, 'invalid_request_error', error.message, { code: 'invalid_request' });
    else {
      request.log.error(error);
      apiError = new ApiError(500, 'server_error', `internal error: ${error.message}`);
    }
    if (apiError.retryAfter !== undefined) reply.header('retry-after', String(apiError.retryAfter));
    return reply.code(apiError.status).send(apiError.body);
  });
  server.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send(new ApiError(404, 'not_found_error', `no such endpoint: ${request.method} ${request.url}`, { code: 'unknown_endpoint' }).body),
  );
  chatCompletionsRoute(server, state);
  completionsRoute(server, state);
  embeddingsRoute(server, state);
  modelsRoute(server, state);
  tokenizeRoutes(server, state);
  healthRoutes(server, state);
  return server;
}
