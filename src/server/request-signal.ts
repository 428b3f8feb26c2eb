// What ends a request early: its client going away (the response closed before it was finished) or
// the server's per-request time limit. One signal for the library calls, and which of the two fired.
import type { ServerResponse } from 'node:http';

import { ApiError } from './api-error.js';

export class RequestSignal {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #reason: 'client' | 'timeout' | null = null;
  readonly #onClose: () => void;
  readonly #response: ServerResponse;

  constructor(response: ServerResponse, timeoutMs: number) {
    this.#response = response;
    this.#onClose = () => {
      if (!response.writableFinished) this.#abort('client');
    };
    response.once('close', this.#onClose);
    this.#timer = setTimeout(() => this.#abort('timeout'), timeoutMs);
    this.#timer.unref();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why the request was ended early, or null. */
  get reason(): 'client' | 'timeout' | null {
    return this.#reason;
  }

  /** The error sent for a request that ran out of time. */
  static timeoutError(timeoutMs: number): ApiError {
    return new ApiError(503, 'timeout_error', `the request did not finish within the server's limit of ${timeoutMs / 1000} s`, {
      code: 'timeout',
      retryAfter: 1,
    });
  }

  #abort(reason: 'client' | 'timeout'): void {
    if (this.#reason) return;
    this.#reason = reason;
    this.#controller.abort(new Error(reason === 'client' ? 'the client went away' : 'the request ran out of time'));
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#response.off('close', this.#onClose);
  }
}
