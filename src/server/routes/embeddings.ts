// POST /v1/embeddings: one vector per input (text or token ids), pooled as the model asks, unit length
// (OpenAI's vectors are). Off unless the server was started for embeddings or the model is an encoder.
import type { FastifyInstance } from 'fastify';

import { ApiError, badParameter } from '../api-error.js';
import { nullable } from '../sampling-params.js';
import { RequestSignal } from '../request-signal.js';
import { checkModelName, type ServerState } from '../server-state.js';
import { textInputs, textInputsSchema, type TextInputs } from '../text-inputs.js';

const MAX_INPUTS = 2048; // OpenAI's limit per request

const BODY_SCHEMA = {
  type: 'object',
  required: ['input'],
  additionalProperties: false,
  properties: {
    model: { type: 'string' },
    input: textInputsSchema(MAX_INPUTS),
    encoding_format: nullable({ enum: ['float', 'base64'] }),
    dimensions: nullable({ type: 'integer', minimum: 1 }),
    user: nullable({ type: 'string' }),
  },
} as const;

interface EmbeddingsBody {
  model?: string;
  input: TextInputs;
  encoding_format?: 'float' | 'base64' | null;
  dimensions?: number | null;
}

export function embeddingsRoute(server: FastifyInstance, state: ServerState): void {
  server.post('/v1/embeddings', { schema: { body: BODY_SCHEMA } }, async (request, reply) => {
    if (!state.embeddings)
      throw new ApiError(501, 'not_supported_error', 'this server does not serve embeddings: start it with --embeddings (embeddings: true)', {
        code: 'embeddings_disabled',
      });
    const body = request.body as EmbeddingsBody;
    checkModelName(state, body.model);
    const { model } = state;
    const inputs = textInputs(body.input);
    let tokens = 0;
    for (const [i, entry] of inputs.entries()) {
      if (typeof entry === 'string') {
        if (!entry) throw badParameter('input', `input${inputs.length > 1 ? `[${i}]` : ''} is empty`);
        tokens += model.tokenize(entry).length;
      } else {
        if (entry.some((t) => t >= model.vocabulary.size))
          throw badParameter('input', `input${inputs.length > 1 ? `[${i}]` : ''} holds a token id outside the vocabulary`);
        tokens += entry.length;
      }
    }
    const width = model.info.metadata[`${model.info.architecture}.embedding_length`];
    if (body.dimensions !== undefined && body.dimensions !== null && body.dimensions !== width)
      throw badParameter('dimensions', `this model's embeddings have ${String(width)} dimensions; it cannot give ${body.dimensions}`);
    const scope = new RequestSignal(reply.raw, state.timeoutMs);
    try {
      const vectors = await model.embed(inputs, { signal: scope.signal });
      const base64 = body.encoding_format === 'base64';
      return {
        object: 'list',
        data: vectors.map((vector, index) => ({
          object: 'embedding',
          index,
          embedding: base64 ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') : Array.from(vector),
        })),
        model: state.modelName,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    } catch (error) {
      if (scope.reason === 'timeout') throw RequestSignal.timeoutError(state.timeoutMs);
      throw error;
    } finally {
      scope.dispose();
    }
  });
}
