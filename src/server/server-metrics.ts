// GET /metrics: Prometheus text from prom-client, on a registry of this server's own (two servers in
// one process keep their counts apart). Node's process metrics (event-loop lag, heap, CPU) come along.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { Admission } from './admission.js';

// Seconds: from a cached prompt's few milliseconds to a long prompt's minutes.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TOKEN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'endpoint' | 'status'>;
  readonly promptTokens: Counter;
  readonly generatedTokens: Counter;
  readonly timeToFirstToken: Histogram<'endpoint'>;
  readonly timePerToken: Histogram<'endpoint'>;
  readonly requestDuration: Histogram<'endpoint'>;

  constructor(admission: Admission) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'fathom_requests_total',
      help: 'HTTP requests answered, by endpoint and status.',
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.promptTokens = new Counter({ name: 'fathom_prompt_tokens_total', help: 'Prompt tokens of generation requests.', registers });
    this.generatedTokens = new Counter({ name: 'fathom_generated_tokens_total', help: 'Tokens generated.', registers });
    new Gauge({
      name: 'fathom_requests_generating',
      help: 'Requests generating now (at most --parallel).',
      registers,
      collect() {
        this.set(admission.running);
      },
    });
    new Gauge({
      name: 'fathom_requests_queued',
      help: 'Requests waiting for a sequence.',
      registers,
      collect() {
        this.set(admission.queued);
      },
    });
    this.timeToFirstToken = new Histogram({
      name: 'fathom_time_to_first_token_seconds',
      help: 'From a request arriving to its first generated token (queueing and prompt evaluation included).',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.timePerToken = new Histogram({
      name: 'fathom_time_per_output_token_seconds',
      help: 'Between successive generated tokens of one request.',
      labelNames: ['endpoint'],
      buckets: TOKEN_BUCKETS,
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'fathom_request_duration_seconds',
      help: 'From a request arriving to its last byte sent.',
      labelNames: ['endpoint'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }
}

/** Times one generation for the histograms: call `tokens(n)` as tokens arrive. */
export class GenerationTimer {
  readonly #metrics: ServerMetrics;
  readonly #endpoint: string;
  readonly #start: number;
  #last: number | null = null;
  count = 0;

  constructor(metrics: ServerMetrics, endpoint: string, start: number) {
    this.#metrics = metrics;
    this.#endpoint = endpoint;
    this.#start = start;
  }

  tokens(n: number): void {
    if (n === 0) return;
    const now = performance.now();
    if (this.#last === null) this.#metrics.timeToFirstToken.observe({ endpoint: this.#endpoint }, (now - this.#start) / 1000);
    else for (let i = 0; i < n; i++) this.#metrics.timePerToken.observe({ endpoint: this.#endpoint }, (now - this.#last) / 1000 / n);
    this.#last = now;
    this.count += n;
    this.#metrics.generatedTokens.inc(n);
  }
}
