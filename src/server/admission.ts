// Who may generate now. A context decodes as many generations together as it has sequences; more would
// take sequences from each other and re-evaluate their histories. So at most `slots` requests generate,
// the next `queueSize` wait in arrival order (fair: first come, first served), and past that a request
// is turned away at once with 429 and Retry-After instead of waiting without bound.
import { ApiError } from './api-error.js';

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (error: Error) => void;
}

export class Admission {
  readonly slots: number;
  readonly queueSize: number;
  #running = 0;
  readonly #waiting: Waiter[] = [];

  constructor(slots: number, queueSize: number) {
    this.slots = slots;
    this.queueSize = queueSize;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release function once the request may run; rejects with 429 when the queue is full,
   * or with the signal's reason when it aborts first (a client gone, a timeout) — it then leaves the queue.
   */
  enter(signal: AbortSignal): Promise<() => void> {
    if (this.#running < this.slots && this.#waiting.length === 0) return Promise.resolve(this.#take());
    if (this.#waiting.length >= this.queueSize)
      return Promise.reject(
        new ApiError(429, 'rate_limit_error', `the server is busy: ${this.slots} requests are generating and ${this.queueSize} are waiting`, {
          code: 'queue_full',
          retryAfter: 1,
        }),
      );
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
        reject,
      };
      const onAbort = () => {
        const at = this.#waiting.indexOf(waiter);
        if (at !== -1) this.#waiting.splice(at, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #take(): () => void {
    this.#running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      const next = this.#waiting.shift();
      if (next) next.resolve(this.#take());
    };
  }
}
