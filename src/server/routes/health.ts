// GET /health (no key needed: what a load balancer polls) and GET /metrics (Prometheus text).
import type { FastifyInstance } from 'fastify';

import type { ServerState } from '../server-state.js';

export function healthRoutes(server: FastifyInstance, state: ServerState): void {
  server.get('/health', async (_request, reply) => {
    if (state.model.disposed) return reply.code(503).send({ status: 'unavailable' });
    return { status: 'ok', generating: state.admission.running, queued: state.admission.queued };
  });
  server.get('/metrics', async (_request, reply) => {
    reply.type(state.metrics.registry.contentType);
    return state.metrics.registry.metrics();
  });
}
