// The OpenAI-compatible server, driven on a loopback port by the official `openai` client: each
// endpoint's answer equals what the library gives for the same request (greedy), streams equal whole
// replies, bad requests get their status and OpenAI error body, and an aborted stream frees its sequence.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import OpenAI from 'openai';

import { CHATML_TEMPLATE, loadModel } from '../../dist/index.js';
import { createServer } from '../../dist/server.js';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

const GREEDY = { temperature: 0, max_tokens: 24 };
const MESSAGES = [
  { role: 'system', content: 'You tell stories.' },
  { role: 'user', content: 'Tell me about a cat.' },
];

describe('fathom-llm/server', { skip: skipWithoutStories }, () => {
  let model;
  let server;
  let base;
  let client;

  before(async () => {
    process.removeAllListeners('warning'); // stories260K has no chat template: ChatML, said once
    model = await loadModel(STORIES_260K, { sequences: 2, contextSize: 256 });
    server = createServer(model, { embeddings: true, queueSize: 1 });
    base = await server.listen({ host: '127.0.0.1', port: 0 });
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  after(async () => {
    await server?.close();
    await model?.dispose();
  });

  it('chat completions equal the library chat, whole and streamed, with usage', async () => {
    const expected = await model
      .createChat({ system: MESSAGES[0].content, template: CHATML_TEMPLATE, generate: { temperature: 0, maxTokens: 24 } })
      .send(MESSAGES[1].content);
    const whole = await client.chat.completions.create({ model: 'stories260K', messages: MESSAGES, ...GREEDY });
    assert.equal(whole.object, 'chat.completion');
    assert.equal(whole.choices[0].message.content, expected.text);
    assert.equal(whole.choices[0].finish_reason, 'length');
    assert.deepEqual(whole.usage, { prompt_tokens: expected.promptTokens, completion_tokens: 24, total_tokens: expected.promptTokens + 24 });

    const stream = await client.chat.completions.create({ messages: MESSAGES, ...GREEDY, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const finishes = [];
    let usage;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        if (choice.finish_reason) finishes.push(choice.finish_reason);
      }
    }
    assert.equal(text, expected.text);
    assert.deepEqual(finishes, ['length']);
    assert.deepEqual(usage, whole.usage);
  });

  it('chat logprobs are the generated tokens with their alternatives', async () => {
    const reply = await client.chat.completions.create({ messages: MESSAGES, ...GREEDY, max_tokens: 5, logprobs: true, top_logprobs: 3 });
    const entries = reply.choices[0].logprobs.content;
    assert.equal(entries.length, 5);
    assert.equal(entries.map((e) => e.token).join(''), reply.choices[0].message.content);
    for (const entry of entries) {
      assert.equal(entry.top_logprobs.length, 3);
      assert.equal(entry.top_logprobs[0].logprob, entry.logprob); // greedy: the chosen token is the most likely
      assert.deepEqual(Buffer.from(entry.bytes).toString(), entry.token);
    }
  });

  it('completions equal model.complete, and a list of prompts gives one choice each', async () => {
    const prompts = ['Once upon a time', 'The dog'];
    const expected = await Promise.all(prompts.map((p) => model.complete(p, { temperature: 0, maxTokens: 16 })));
    const one = await client.completions.create({ model: 'stories260K', prompt: prompts[0], temperature: 0, max_tokens: 16 });
    assert.equal(one.choices[0].text, expected[0].text);
    const both = await client.completions.create({ prompt: prompts, temperature: 0, max_tokens: 16, echo: true });
    assert.deepEqual(
      both.choices.map((c) => c.text),
      prompts.map((p, i) => p + expected[i].text),
    );
    assert.equal(both.usage.completion_tokens, 32);
  });

  it('response_format json_schema gives JSON of the schema', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer' } },
      required: ['name', 'age'],
      additionalProperties: false,
    };
    const reply = await client.chat.completions.create({
      messages: MESSAGES,
      temperature: 0,
      max_tokens: 64,
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema } },
    });
    const value = JSON.parse(reply.choices[0].message.content);
    assert.deepEqual(Object.keys(value).sort(), ['age', 'name']);
    assert.ok(Number.isInteger(value.age));
  });

  it('embeddings equal model.embed, as floats and as base64', async () => {
    const expected = await model.embed(['a cat', 'a dog']);
    const floats = await client.embeddings.create({ model: 'stories260K', input: ['a cat', 'a dog'], encoding_format: 'float' });
    assert.equal(floats.data.length, 2);
    floats.data.forEach((entry, i) => assert.deepEqual(entry.embedding, Array.from(expected[i])));
    const raw = await fetch(`${base}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'a cat', encoding_format: 'base64' }),
    });
    const body = await raw.json();
    const bytes = Buffer.from(body.data[0].embedding, 'base64');
    assert.deepEqual(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), expected[0]);
  });

  it('tokenize, detokenize, models and health answer as llama-server does', async () => {
    const post = (route, body) =>
      fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
    const { tokens } = await post('/tokenize', { content: 'Once upon a time' });
    assert.deepEqual(tokens, model.tokenize('Once upon a time', { addBos: false }));
    assert.deepEqual(await post('/detokenize', { tokens }), { content: 'Once upon a time' });
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['stories260K'],
    );
    const health = await fetch(`${base}/health`).then((r) => r.json());
    assert.equal(health.status, 'ok');
    const metrics = await fetch(`${base}/metrics`).then((r) => r.text());
    assert.match(metrics, /fathom_requests_total\{endpoint="\/v1\/chat\/completions",status="200"\} \d+/);
    assert.match(metrics, /fathom_time_to_first_token_seconds_count\{endpoint="chat"\} [1-9]/);
  });

  it('bad requests get their status and an OpenAI error body naming the parameter', async () => {
    const send = async (route, body, headers = { 'content-type': 'application/json' }) => {
      const response = await fetch(`${base}${route}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: response.status, error: (await response.json()).error };
    };
    const cases = [
      ['/v1/chat/completions', '{"messages": [', 400, null],
      ['/v1/chat/completions', { messages: MESSAGES, temperature: 'hot' }, 400, 'temperature'],
      ['/v1/chat/completions', { messages: MESSAGES, max_tokens: -1 }, 400, 'max_tokens'],
      ['/v1/chat/completions', { messages: MESSAGES, temprature: 0 }, 400, 'temprature'],
      ['/v1/chat/completions', { messages: [] }, 400, 'messages'],
      ['/v1/chat/completions', { messages: [{ role: 'robot', content: 'x' }] }, 400, 'messages[0].role'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 5 }] }, 400, 'messages[0].content'],
      ['/v1/chat/completions', { messages: [{ role: 'assistant', content: 'x' }] }, 400, 'messages'],
      ['/v1/chat/completions', { messages: MESSAGES, n: 2 }, 400, 'n'],
      ['/v1/chat/completions', { messages: MESSAGES, logit_bias: { 999999: 5 } }, 400, 'logit_bias'],
      ['/v1/chat/completions', { messages: MESSAGES, tool_choice: { type: 'function', function: { name: 'f' } } }, 400, 'tool_choice'],
      ['/v1/chat/completions', { model: 'gpt-4o', messages: MESSAGES }, 404, 'model'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'word '.repeat(400) }] }, 400, null],
      ['/v1/completions', { prompt: [999999] }, 400, 'prompt'],
      ['/v1/embeddings', { input: '' }, 400, 'input'],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'x'.repeat(9 * 1024 * 1024) }] }, 413, null],
    ];
    for (const [route, body, status, param] of cases) {
      const { status: got, error } = await send(route, body);
      assert.equal(got, status, `${route} ${String(JSON.stringify(body)).slice(0, 80)}: ${error?.message}`);
      assert.equal(typeof error.message, 'string');
      assert.equal(typeof error.type, 'string');
      if (param) assert.equal(error.param, param, error.message);
    }
    const long = await send('/v1/chat/completions', { messages: [{ role: 'user', content: 'word '.repeat(400) }] });
    assert.equal(long.error.code, 'context_length_exceeded');
    assert.equal((await send('/v1/chat/completions', '<x/>', { 'content-type': 'application/xml' })).status, 415);
    assert.equal((await fetch(`${base}/v1/nowhere`)).status, 404);
    assert.equal((await fetch(`${base}/health`)).status, 200, 'the server is still up');
  });

  it('an API key is required when set', async () => {
    const guarded = createServer(model, { apiKey: 'secret' });
    const url = await guarded.listen({ host: '127.0.0.1', port: 0 });
    try {
      const wrong = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'wrong', maxRetries: 0 });
      await assert.rejects(wrong.models.list(), (error) => error.status === 401 && error.code === 'invalid_api_key');
      const right = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'secret', maxRetries: 0 });
      assert.equal((await right.models.list()).data.length, 1);
      assert.equal((await fetch(`${url}/health`)).status, 200, 'health needs no key');
    } finally {
      await guarded.close();
    }
  });

  it('aborting a stream frees its sequence; past the queue a request gets 429', async () => {
    const generated = async () => Number(/^fathom_generated_tokens_total (\d+)/m.exec(await fetch(`${base}/metrics`).then((r) => r.text()))[1]);
    const before = await generated();
    const stream = await client.chat.completions.create({ messages: MESSAGES, temperature: 0, max_tokens: 200, stream: true });
    let chunks = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content && ++chunks === 2) break; // the client closes the connection
    assert.equal(chunks, 2);
    // The server sees the socket close and aborts the generation within a step.
    for (let i = 0; i < 100; i++) {
      const health = await fetch(`${base}/health`).then((r) => r.json());
      if (health.generating === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal((await fetch(`${base}/health`).then((r) => r.json())).generating, 0);
    assert.ok((await generated()) - before < 200, 'the generation stopped before max_tokens');

    // Two sequences generate, one request waits (queueSize 1): the fourth is turned away.
    const long = { messages: MESSAGES, temperature: 0, max_tokens: 150 };
    const running = [1, 2, 3].map(() => client.chat.completions.create(long));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(long) });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '1');
    const replies = await Promise.all(running);
    assert.equal(new Set(replies.map((r) => r.choices[0].message.content)).size, 1, 'the same greedy reply each, batched or queued');
  });
});
