// Errors as the OpenAI API sends them: { error: { message, type, param, code } } with the HTTP status
// a client branches on. Types follow llama-server's names; codes are OpenAI's where it has one.
import { FathomError } from '../index.js';

export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'not_supported_error'
  | 'rate_limit_error'
  | 'unavailable_error'
  | 'timeout_error'
  | 'server_error';

export interface ApiErrorBody {
  error: { message: string; type: ApiErrorType; param: string | null; code: string | null };
}

export class ApiError extends Error {
  readonly status: number;
  readonly type: ApiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** Seconds a client should wait before trying again (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(status: number, type: ApiErrorType, message: string, details: { param?: string; code?: string; retryAfter?: number } = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = details.param ?? null;
    this.code = details.code ?? null;
    this.retryAfter = details.retryAfter;
  }

  get body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** A 400 naming the parameter at fault. */
export function badParameter(param: string, message: string): ApiError {
  return new ApiError(400, 'invalid_request_error', message, { param, code: 'invalid_value' });
}

// What a library error means to a client: its input was wrong (4xx) or the server failed (5xx).
const STATUS_OF: Partial<Record<FathomError['code'], [number, ApiErrorType, string | undefined]>> = {
  INVALID_ARGUMENT: [400, 'invalid_request_error', 'invalid_value'],
  INVALID_GRAMMAR: [400, 'invalid_request_error', 'invalid_value'],
  TEMPLATE_ERROR: [400, 'invalid_request_error', 'template_error'],
  CONTEXT_FULL: [400, 'invalid_request_error', 'context_length_exceeded'],
  INCOMPLETE_OUTPUT: [500, 'server_error', 'incomplete_output'],
  DISPOSED: [503, 'unavailable_error', 'model_unloaded'],
  BUSY: [503, 'unavailable_error', 'busy'],
  OUT_OF_MEMORY: [503, 'unavailable_error', 'out_of_memory'],
};

/** Any error thrown while serving a request, as the ApiError sent for it. */
export function toApiError(error: unknown, param?: string): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof FathomError) {
    const [status, type, code] = STATUS_OF[error.code] ?? [500, 'server_error', error.code.toLowerCase()];
    return new ApiError(status, type, error.message, { ...(param && status === 400 ? { param } : {}), ...(code ? { code } : {}) });
  }
  return new ApiError(500, 'server_error', 'the server failed to answer this request; see its log');
}
