// POST /tokenize and /detokenize, as llama-server has them: text <-> the model's token ids.
import type { FastifyInstance } from 'fastify';

import { badParameter } from '../api-error.js';
import { nullable } from '../sampling-params.js';
import type { ServerState } from '../server-state.js';

const TOKENIZE_SCHEMA = {
  type: 'object',
  required: ['content'],
  additionalProperties: false,
  properties: {
    content: { type: 'string' },
    add_special: nullable({ type: 'boolean' }),
    parse_special: nullable({ type: 'boolean' }),
    with_pieces: nullable({ type: 'boolean' }),
  },
} as const;

const DETOKENIZE_SCHEMA = {
  type: 'object',
  required: ['tokens'],
  additionalProperties: false,
  properties: { tokens: { type: 'array', items: { type: 'integer', minimum: 0 } } },
} as const;

export function tokenizeRoutes(server: FastifyInstance, state: ServerState): void {
  const { model } = state;
  server.post('/tokenize', { schema: { body: TOKENIZE_SCHEMA } }, async (request) => {
    const body = request.body as { content: string; add_special?: boolean | null; parse_special?: boolean | null; with_pieces?: boolean | null };
    // llama-server's defaults: no BOS/EOS unless asked, control-token text parsed.
    const special = body.add_special === true;
    const tokens = model.tokenize(body.content, { addBos: special, addEos: special, special: body.parse_special !== false });
    if (!body.with_pieces) return { tokens };
    return { tokens: tokens.map((id) => ({ id, piece: model.detokenize([id], { special: true }) })) };
  });
  server.post('/detokenize', { schema: { body: DETOKENIZE_SCHEMA } }, async (request) => {
    const { tokens } = request.body as { tokens: number[] };
    const bad = tokens.find((t) => t >= model.vocabulary.size);
    if (bad !== undefined) throw badParameter('tokens', `${bad} is not a token id of the model's vocabulary (0..${model.vocabulary.size - 1})`);
    return { content: model.detokenize(tokens) };
  });
}
