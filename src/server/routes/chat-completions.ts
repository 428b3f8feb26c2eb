// POST /v1/chat/completions: a conversation (system, user, assistant with tool calls, tool results) in,
// the next assistant message out — whole, or streamed as chunks over server-sent events. The request's
// messages become a Chat's history on the shared context, so a conversation's earlier tokens (a shared
// system prompt, the previous turns) are reused from the sequences' caches.
import type { FastifyInstance } from 'fastify';

import { FathomError, Grammar, type ChatEvent, type ChatFinishReason, type ChatOptions, type ToolCall, type ToolChoice } from '../../index.js';
import { badParameter } from '../api-error.js';
import { chatMessages, MESSAGES_SCHEMA, splitConversation } from '../chat-messages.js';
import { chatLogprobs, type ChatTokenLogprob } from '../logprobs.js';
import { nullable, SAMPLING_PROPERTIES, samplingOptions, type SamplingParams } from '../sampling-params.js';
import { serveGeneration } from '../serve-generation.js';
import { checkModelName, unixSeconds, type ServerState } from '../server-state.js';
import { checkLogitBias, completionId, finishReasonOf, usage } from './generation-common.js';

const FUNCTION_NAME = { type: 'string', pattern: '^[a-zA-Z0-9_.:-]{1,64}$' } as const;

const BODY_SCHEMA = {
  type: 'object',
  required: ['messages'],
  additionalProperties: false,
  properties: {
    ...SAMPLING_PROPERTIES,
    messages: MESSAGES_SCHEMA,
    max_completion_tokens: nullable({ type: 'integer', minimum: 0 }),
    logprobs: nullable({ type: 'boolean' }),
    top_logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
    tools: nullable({
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'function'],
        properties: {
          type: { const: 'function' },
          function: {
            type: 'object',
            required: ['name'],
            properties: { name: FUNCTION_NAME, description: { type: 'string' }, parameters: { type: 'object' }, strict: nullable({ type: 'boolean' }) },
          },
        },
      },
    }),
    tool_choice: nullable({
      anyOf: [
        { enum: ['none', 'auto', 'required'] },
        {
          type: 'object',
          required: ['type', 'function'],
          properties: { type: { const: 'function' }, function: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
        },
      ],
    }),
    parallel_tool_calls: nullable({ type: 'boolean' }),
    response_format: nullable({
      type: 'object',
      required: ['type'],
      properties: {
        type: { enum: ['text', 'json_object', 'json_schema'] },
        json_schema: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, description: { type: 'string' }, schema: { type: 'object' }, strict: nullable({ type: 'boolean' }) },
        },
      },
    }),
    reasoning_effort: nullable({ enum: ['low', 'medium', 'high'] }),
    // llama-server's extension: variables for the chat template (e.g. { "enable_thinking": false }).
    chat_template_kwargs: nullable({ type: 'object' }),
  },
} as const;

interface ChatBody extends SamplingParams {
  messages: Record<string, unknown>[];
  max_completion_tokens?: number | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[] | null;
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } } | null;
  parallel_tool_calls?: boolean | null;
  response_format?: { type: 'text' | 'json_object' | 'json_schema'; json_schema?: { name: string; schema?: Record<string, unknown> } } | null;
  reasoning_effort?: 'low' | 'medium' | 'high' | null;
  chat_template_kwargs?: Record<string, unknown> | null;
}

function responseGrammar(format: ChatBody['response_format']): Grammar | undefined {
  if (!format || format.type === 'text') return undefined;
  try {
    if (format.type === 'json_object') return Grammar.json();
    if (!format.json_schema) throw badParameter('response_format.json_schema', "response_format of type 'json_schema' needs json_schema: { name, schema }");
    return format.json_schema.schema ? Grammar.jsonSchema(format.json_schema.schema) : Grammar.json();
  } catch (error) {
    if (error instanceof FathomError) throw badParameter('response_format.json_schema.schema', `response_format: ${error.message}`);
    throw error;
  }
}

function chatSettings(body: ChatBody): Pick<ChatOptions, 'tools' | 'toolChoice' | 'parallelToolCalls'> {
  const tools: NonNullable<ChatOptions['tools']> = {};
  for (const [i, entry] of (body.tools ?? []).entries()) {
    const { name, description, parameters } = entry.function;
    if (Object.hasOwn(tools, name)) throw badParameter(`tools[${i}].function.name`, `two tools are named '${name}'`);
    tools[name] = { ...(description !== undefined ? { description } : {}), ...(parameters !== undefined ? { parameters } : {}) };
  }
  const choice = body.tool_choice;
  let toolChoice: ToolChoice | undefined;
  if (typeof choice === 'object' && choice !== null) {
    if (!Object.hasOwn(tools, choice.function.name)) throw badParameter('tool_choice', `tool_choice names '${choice.function.name}', which is not in tools`);
    toolChoice = { name: choice.function.name };
  } else if (choice) {
    if (choice === 'required' && !body.tools?.length) throw badParameter('tool_choice', "tool_choice 'required' needs tools");
    toolChoice = choice;
  }
  return {
    ...(body.tools?.length ? { tools } : {}),
    ...(toolChoice ? { toolChoice } : {}),
    ...(typeof body.parallel_tool_calls === 'boolean' ? { parallelToolCalls: body.parallel_tool_calls } : {}),
  };
}

function openAiToolCall(call: ToolCall, index: number) {
  return { index, id: call.id!, type: 'function' as const, function: { name: call.name, arguments: JSON.stringify(call.arguments) } };
}

export function chatCompletionsRoute(server: FastifyInstance, state: ServerState): void {
  server.post('/v1/chat/completions', { schema: { body: BODY_SCHEMA } }, async (request, reply) => {
    const body = request.body as ChatBody;
    checkModelName(state, body.model);
    const { model } = state;
    checkLogitBias(body.logit_bias, model);
    const { history, next } = splitConversation(chatMessages(body.messages));
    const grammar = responseGrammar(body.response_format);
    const top = body.logprobs ? (body.top_logprobs ?? 0) : 0;
    const generate = samplingOptions(body, state.defaults, body.max_completion_tokens ?? body.max_tokens);
    if (body.logprobs) generate.logprobs = Math.max(top, 1); // the chosen token's logprob comes with at least one alternative
    if (grammar) generate.grammar = grammar;
    const settings = chatSettings(body);
    let chat;
    try {
      chat = model.createChat({
        history,
        ...settings,
        ...(body.reasoning_effort ? { reasoningEffort: body.reasoning_effort } : {}),
        ...(body.chat_template_kwargs ? { templateVariables: body.chat_template_kwargs } : {}),
        contextOverflow: 'error',
        generate,
      });
    } catch (error) {
      throw error instanceof FathomError && error.code === 'INVALID_ARGUMENT'
        ? badParameter(settings.tools && /tool/i.test(error.message) ? 'tools' : 'messages', error.message)
        : error;
    }
    const streaming = body.stream === true;
    const id = completionId('chatcmpl');
    const created = unixSeconds();
    const frame = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model: state.modelName,
      choices: [{ index: 0, ...choice }],
      ...(body.stream_options?.include_usage ? { usage: null } : {}),
      ...extra,
    });

    await serveGeneration(state, reply, 'chat', streaming, async ({ signal, timer, send }) => {
      const events = 'user' in next ? chat.stream(next.user, { signal }) : chat.streamToolResults(next.toolResults, { signal });
      let content = '';
      let reasoning = '';
      const calls: ReturnType<typeof openAiToolCall>[] = [];
      const logprobs: ChatTokenLogprob[] = [];
      let finish: ChatFinishReason = 'eos';
      let opened = false;
      const deliver = async (event: ChatEvent) => {
        if (event.type === 'toolResult') return; // no handlers here: calls are the client's
        if (event.type !== 'toolCall') timer.tokens(event.tokens.length);
        const entries = event.type !== 'toolCall' && event.logprobs ? chatLogprobs(event.logprobs, top, model.tokenizer) : [];
        logprobs.push(...entries);
        let delta: Record<string, unknown>;
        if (event.type === 'toolCall') {
          calls.push(openAiToolCall(event.call, calls.length));
          delta = { tool_calls: [calls.at(-1)] };
        } else if (event.type === 'reasoning') {
          reasoning += event.text;
          delta = { reasoning_content: event.text };
        } else {
          content += event.text;
          if (event.finishReason) finish = event.finishReason;
          if (!event.text && !entries.length) return;
          delta = { content: event.text };
        }
        if (!streaming) return;
        if (!opened) await send(frame({ delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }));
        opened = true;
        await send(frame({ delta, logprobs: body.logprobs ? { content: entries, refusal: null } : null, finish_reason: null }));
      };
      try {
        for await (const event of events) await deliver(event);
      } catch (error) {
        // The context filled while the reply was being written (its prompt fitted): the reply stops there.
        if (!(error instanceof FathomError && error.code === 'CONTEXT_FULL' && chat.promptTokens < model.context.contextSize)) throw error;
        finish = 'length';
      }
      const finishReason = finishReasonOf(finish);
      const used = usage(chat.promptTokens, timer.count);
      state.metrics.promptTokens.inc(chat.promptTokens);
      if (streaming) {
        if (!opened) await send(frame({ delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }));
        await send(frame({ delta: {}, logprobs: null, finish_reason: finishReason }));
        if (body.stream_options?.include_usage) await send({ ...frame({}), choices: [], usage: used });
        return undefined;
      }
      return {
        id,
        object: 'chat.completion',
        created,
        model: state.modelName,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: calls.length && !content ? null : content,
              ...(reasoning ? { reasoning_content: reasoning } : {}),
              ...(calls.length ? { tool_calls: calls.map((call) => ({ id: call.id, type: call.type, function: call.function })) } : {}),
            },
            logprobs: body.logprobs ? { content: logprobs, refusal: null } : null,
            finish_reason: finishReason,
          },
        ],
        usage: used,
      };
    });
  });
}
