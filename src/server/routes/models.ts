// GET /v1/models (and /v1/models/:id): the one model this server serves.
import type { FastifyInstance } from 'fastify';

import { checkModelName, type ServerState } from '../server-state.js';

export function modelsRoute(server: FastifyInstance, state: ServerState): void {
  const created = Math.floor(Date.now() / 1000);
  const entry = () => ({
    id: state.modelName,
    object: 'model',
    created,
    owned_by: 'fathom-llm',
    meta: { architecture: state.model.info.architecture, context_length: state.model.context.contextSize, vocabulary_size: state.model.vocabulary.size },
  });
  server.get('/v1/models', async () => ({ object: 'list', data: [entry()] }));
  server.get('/v1/models/:id', async (request) => {
    checkModelName(state, (request.params as { id: string }).id);
    return entry();
  });
}
