// POST /v1/completions: raw text (or token ids) in, its continuation out — OpenAI's legacy completions.
// A list of prompts gives one choice each, generated one after the other within the request's place.
import type { FastifyInstance } from 'fastify';

import { FathomError, type ChatFinishReason } from '../../index.js';
import { badParameter } from '../api-error.js';
import { completionLogprobs } from '../logprobs.js';
import { nullable, SAMPLING_PROPERTIES, samplingOptions, type SamplingParams } from '../sampling-params.js';
import { serveGeneration } from '../serve-generation.js';
import { checkModelName, unixSeconds, type ServerState } from '../server-state.js';
import { textInputs, textInputsSchema, type TextInputs } from '../text-inputs.js';
import { checkLogitBias, completionId, finishReasonOf, usage } from './generation-common.js';

const MAX_PROMPTS = 16;

const BODY_SCHEMA = {
  type: 'object',
  required: ['prompt'],
  additionalProperties: false,
  properties: {
    ...SAMPLING_PROPERTIES,
    prompt: textInputsSchema(MAX_PROMPTS),
    logprobs: nullable({ type: 'integer', minimum: 0, maximum: 5 }),
    echo: nullable({ type: 'boolean' }),
    suffix: nullable({ type: 'string', maxLength: 0 }),
    best_of: nullable({ type: 'integer', const: 1 }),
  },
} as const;

interface CompletionBody extends SamplingParams {
  prompt: TextInputs;
  logprobs?: number | null;
  echo?: boolean | null;
}

export function completionsRoute(server: FastifyInstance, state: ServerState): void {
  server.post('/v1/completions', { schema: { body: BODY_SCHEMA } }, async (request, reply) => {
    const body = request.body as CompletionBody;
    checkModelName(state, body.model);
    const { model } = state;
    checkLogitBias(body.logit_bias, model);
    const list = textInputs(body.prompt);
    // Tokenized once, as generation would (no EOS appended): the ids generate and are counted for usage.
    const tokenLists = list.map((prompt, i) => {
      if (typeof prompt === 'string') return model.tokenize(prompt, { addEos: false });
      const bad = prompt.find((t) => t >= model.vocabulary.size);
      if (bad !== undefined) throw badParameter('prompt', `prompt${list.length > 1 ? `[${i}]` : ''}: ${bad} is not a token id of the model's vocabulary`);
      return prompt;
    });
    const top = body.logprobs ?? null;
    if (top !== null && body.echo) throw badParameter('echo', 'echo with logprobs is not supported (the prompt tokens would need their log-probabilities)');
    const generate = samplingOptions(body, state.defaults, body.max_tokens);
    if (top !== null) generate.logprobs = Math.max(top, 1);
    const streaming = body.stream === true;
    const id = completionId('cmpl');
    const created = unixSeconds();
    const frame = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id,
      object: 'text_completion',
      created,
      model: state.modelName,
      choices,
      ...(body.stream_options?.include_usage ? { usage: null } : {}),
      ...extra,
    });

    await serveGeneration(state, reply, 'completions', streaming, async ({ signal, timer, send }) => {
      const choices = [];
      for (const [index, prompt] of list.entries()) {
        const echoed = body.echo ? (typeof prompt === 'string' ? prompt : model.detokenize(prompt)) : '';
        let text = echoed;
        let finish: ChatFinishReason = 'eos';
        const entries = [];
        if (streaming && echoed) await send(frame([{ index, text: echoed, logprobs: null, finish_reason: null }]));
        try {
          for await (const chunk of model.generate(tokenLists[index]!, { ...generate, signal })) {
            timer.tokens(chunk.tokens.length);
            const logprobs = chunk.logprobs && top !== null ? completionLogprobs(chunk.logprobs, top, text.length) : null;
            if (chunk.logprobs) entries.push(...chunk.logprobs);
            if (chunk.finishReason) finish = chunk.finishReason;
            if (streaming && (chunk.text || logprobs?.tokens.length)) await send(frame([{ index, text: chunk.text, logprobs, finish_reason: null }]));
            text += chunk.text;
          }
        } catch (error) {
          // The context filled during the generation (the prompt fitted): the text stops there.
          if (!(error instanceof FathomError && error.code === 'CONTEXT_FULL' && tokenLists[index]!.length < model.context.contextSize)) throw error;
          finish = 'length';
        }
        const finishReason = finishReasonOf(finish);
        if (streaming) await send(frame([{ index, text: '', logprobs: null, finish_reason: finishReason }]));
        choices.push({ index, text, logprobs: top !== null ? completionLogprobs(entries, top, echoed.length) : null, finish_reason: finishReason });
      }
      const promptTokens = tokenLists.reduce((sum, tokens) => sum + tokens.length, 0);
      state.metrics.promptTokens.inc(promptTokens);
      if (!streaming) return { ...frame(choices), usage: usage(promptTokens, timer.count) };
      if (body.stream_options?.include_usage) await send({ ...frame([]), usage: usage(promptTokens, timer.count) });
      return undefined;
    });
  });
}
