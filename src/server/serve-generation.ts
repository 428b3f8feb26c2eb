// The life of a generating request, whatever its endpoint: wait for a sequence (bounded queue), run,
// answer with one JSON body or a stream of events, and end early when the client goes or time runs
// out — the generation is aborted, so its sequence is free by the next step. An error before the first
// event is an HTTP error; after it, an `error` event (what OpenAI's clients read from a stream).
import type { FastifyReply } from 'fastify';

import { toApiError } from './api-error.js';
import { RequestSignal } from './request-signal.js';
import { GenerationTimer } from './server-metrics.js';
import type { ServerState } from './server-state.js';
import { EventStream } from './sse.js';

export interface GenerationScope {
  signal: AbortSignal;
  timer: GenerationTimer;
  /** Streaming only: sends one event (the first opens the stream). */
  send(value: unknown): Promise<void>;
}

/**
 * Runs `run` once the request may generate. Streaming, its events are sent as they come and the stream
 * ends with [DONE]; otherwise what it returns is the response body.
 */
export async function serveGeneration(
  state: ServerState,
  reply: FastifyReply,
  endpoint: string,
  streaming: boolean,
  run: (scope: GenerationScope) => Promise<unknown>,
): Promise<void> {
  const start = performance.now();
  const scope = new RequestSignal(reply.raw, state.timeoutMs);
  let stream: EventStream | null = null;
  const open = (): EventStream => {
    if (!stream) {
      reply.hijack(); // from here on the response is ours to write
      stream = new EventStream(reply.raw, reply.getHeaders() as Record<string, string>);
    }
    return stream;
  };
  let release: (() => void) | undefined;
  try {
    release = await state.admission.enter(scope.signal);
    const timer = new GenerationTimer(state.metrics, endpoint, start);
    const body = await run({ signal: scope.signal, timer, send: (value) => open().send(value) });
    if (streaming) await open().done();
    else await reply.send(body);
  } catch (error) {
    if (scope.reason === 'client') {
      // Nobody is listening: nothing to answer.
      if (!stream) reply.hijack();
      reply.raw.destroy();
      return;
    }
    const apiError = scope.reason === 'timeout' ? RequestSignal.timeoutError(state.timeoutMs) : toApiError(error);
    if (!stream) throw apiError; // the error handler answers
    await (stream as EventStream).send(apiError.body);
    (stream as EventStream).end();
  } finally {
    release?.();
    scope.dispose();
    state.metrics.requestDuration.observe({ endpoint }, (performance.now() - start) / 1000);
  }
}
