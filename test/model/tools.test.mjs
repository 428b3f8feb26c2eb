// Tool calling and reasoning: llama.cpp's own parser cases (tests/test-chat.cpp, read from the
// bundle), every bundled template rendering a conversation with tools, calls and results, and
// chats on random-weight models carrying real templates, where the grammar makes the call.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';
import { z } from 'zod';

import { FathomError, loadModel } from '../../dist/index.js';
import { bundleText } from '../helpers/bundle.mjs';
import { chatParserCases } from '../helpers/chat-cases.mjs';
import { syntheticModel } from '../helpers/synthetic.mjs';
import { ensureBareClone, PINNED } from '../../scripts/extract-ggml.mjs';

// Templates of the families fathom reads (the rest of test-chat.cpp's cases are counted, not asserted).
const FAMILIES = {
  hermes: [
    'Qwen-Qwen2.5-7B-Instruct.jinja',
    'Qwen-Qwen3-0.6B.jinja',
    'Qwen-QwQ-32B.jinja',
    'NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja',
    'NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja',
    'MiMo-VL.jinja',
    'Reka-Edge.jinja',
    'ibm-granite-granite-4.0.jinja',
    'ibm-granite-granite-4.1.jinja',
  ],
  'qwen3-coder': ['Qwen3-Coder.jinja', 'Qwen3.5-4B.jinja', 'NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja', 'StepFun3.5-Flash.jinja'],
  llama3: ['meta-llama-Llama-3.1-8B-Instruct.jinja', 'meta-llama-Llama-3.2-3B-Instruct.jinja', 'meta-llama-Llama-3.3-70B-Instruct.jinja'],
  'mistral-nemo': ['mistralai-Mistral-Nemo-Instruct-2407.jinja'],
  mistral: ['Mistral-Small-3.2-24B-Instruct-2506.jinja', 'unsloth-mistral-Devstral-Small-2507.jinja', 'mistralai-Ministral-3-14B-Reasoning-2512.jinja'],
  harmony: ['openai-gpt-oss-120b.jinja'],
  'deepseek-r1': ['deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja', 'deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja', 'llama-cpp-deepseek-r1.jinja'],
  'deepseek-v3.1': ['deepseek-ai-DeepSeek-V3.1.jinja'],
  generic: ['google-gemma-2-2b-it.jinja', 'ibm-granite-granite-3.3-2B-Instruct.jinja'],
};
// With reasoning_format NONE (test-chat.cpp's default) llama.cpp leaves reasoning in the content;
// fathom always separates it, so those cases are not comparable when the input has reasoning.
const REASONING_MARKERS = ['<think>', '</think>', '[THINK]', '[/THINK]', '<|START_THINKING|>', '<|END_THINKING|>', '<|channel|>analysis'];

const normalized = (m) => ({
  content: m.content.trim(),
  reasoning: m.reasoning.trim(),
  toolCalls: m.toolCalls.map((c) => ({
    name: c.name,
    arguments: typeof c.arguments === 'string' ? (c.arguments ? JSON.parse(c.arguments) : {}) : c.arguments,
    id: c.id ?? '',
  })),
});
const toolSet = (tools) => Object.fromEntries(tools.map((t) => [t.name, { description: t.description, parameters: t.parameters }]));

function refusesSystem(model, template) {
  try {
    model.applyChatTemplate(
      [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'U' },
      ],
      { template },
    );
    return false;
  } catch {
    return true;
  }
}

async function bundledTemplates() {
  const clone = await ensureBareClone();
  return execFileSync('git', ['--git-dir', clone, 'ls-tree', '--name-only', PINNED.commit, 'models/templates/'], { encoding: 'utf8' })
    .split('\n')
    .filter((name) => name.endsWith('.jinja'));
}

describe('reading replies in each family’s syntax', () => {
  let model;
  let cases;

  before(async () => {
    // A chat needs a model that can generate: a tiny random one, with a vocabulary of Llama 3's kind.
    model = await loadModel(await syntheticModel({ vocab: 'llama-bpe' }), { contextSize: 256 });
    cases = chatParserCases(await bundleText('tests/test-chat.cpp'));
  });
  after(() => model?.dispose());

  it("parses llama.cpp's test-chat.cpp cases as llama.cpp does, for every family fathom reads", async () => {
    const family = new Map(Object.entries(FAMILIES).flatMap(([name, templates]) => templates.map((t) => [t, name])));
    const tally = { passed: 0, skipped: new Map(), other: 0 };
    for (const c of cases) {
      if (!family.has(c.template)) {
        tally.other++;
        continue;
      }
      const skip = c.skip ?? (c.reasoningFormat === 'NONE' && REASONING_MARKERS.some((m) => c.input.includes(m)) ? 'reasoning_format NONE' : null);
      if (skip) {
        tally.skipped.set(skip, (tally.skipped.get(skip) ?? 0) + 1);
        continue;
      }
      const template = await bundleText(`models/templates/${c.template}`);
      const got = model.parseAssistantMessage(c.input, { template, tools: toolSet(c.tools), templateVariables: c.variables });
      assert.deepEqual(normalized(got), normalized(c.expect), `${c.template}: ${JSON.stringify(c.input)}`);
      tally.passed++;
    }
    // The reader finds the cases: a change in the file that hid them would show here.
    assert.ok(tally.passed >= 100, `${tally.passed} cases compared`);
    console.log(
      `# ${tally.passed} cases equal llama.cpp's; skipped: ${JSON.stringify(Object.fromEntries(tally.skipped))}; ${tally.other} cases of other families`,
    );
  });

  it('each template is read in the family it belongs to', async () => {
    for (const [name, templates] of Object.entries(FAMILIES)) {
      for (const t of templates) {
        const chat = model.createChat({ template: await bundleText(`models/templates/${t}`) });
        assert.equal(chat.toolSyntax, name, t);
      }
    }
  });
});

describe('chat templates with tools', () => {
  let model;

  before(async () => {
    model = await loadModel(await syntheticModel({ vocab: 'llama-bpe' }), { contextSize: 256 });
  });
  after(() => model?.dispose());

  it('every bundled template renders a conversation with tools, a call and its result', async () => {
    const tools = {
      get_weather: {
        description: 'The weather in a city',
        parameters: { type: 'object', properties: { city: { type: 'string', description: 'The city' } }, required: ['city'] },
      },
    };
    const conversation = [
      { role: 'system', content: 'You are helpful.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call12345', name: 'get_weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', content: '{"temperature": 21}', toolCallId: 'call12345', name: 'get_weather' },
      { role: 'assistant', content: 'It is 21 degrees.' },
      { role: 'user', content: 'Thanks' },
    ];
    const failures = [];
    for (const name of await bundledTemplates()) {
      const template = await bundleText(name);
      try {
        // A template that refuses a system message (Gemma's) gets none, as a chat would fold it into the user's.
        const system = refusesSystem(model, template) ? 1 : 0;
        const chat = model.createChat({ template, tools, history: conversation.slice(system) });
        const { prompt } = chat;
        for (const part of ['Paris', '21', 'Thanks']) if (!prompt.includes(part)) failures.push(`${name}: no ${part}`);
      } catch (error) {
        failures.push(`${name}: ${error.message}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

describe('chats that call tools, on random-weight models with real templates', () => {
  const schema = {
    type: 'object',
    properties: { city: { type: 'string', maxLength: 12 }, unit: { enum: ['celsius', 'fahrenheit'] } },
    required: ['city', 'unit'],
    additionalProperties: false,
  };
  const validate = new Ajv2020().compile(schema);
  // The vocabulary each template's family ships with, or one of its kind.
  const MODELS = [
    ['qwen2', 'Qwen-Qwen2.5-7B-Instruct', 'hermes', '<tool_response>'],
    ['llama-bpe', 'meta-llama-Llama-3.1-8B-Instruct', 'llama3', '<|start_header_id|>ipython<|end_header_id|>'],
    ['llama-spm', 'mistralai-Mistral-Nemo-Instruct-2407', 'mistral-nemo', '[TOOL_RESULTS]'],
    ['qwen2', 'openai-gpt-oss-120b', 'harmony', '<|start|>functions.get_weather to=assistant'],
    ['qwen2', 'Qwen3-Coder', 'qwen3-coder', '<tool_response>'],
    ['llama-spm', 'Mistral-Small-3.2-24B-Instruct-2506', 'mistral', '[TOOL_RESULTS]'],
  ];

  for (const [vocab, template, syntax, resultMarker] of MODELS) {
    it(`${template}: toolChoice 'required' makes a valid call, the handler runs, its result is rendered, generation goes on`, async () => {
      const model = await loadModel(await syntheticModel({ vocab, chatTemplate: template }), { contextSize: 2048 });
      try {
        const seen = [];
        const tools = {
          get_weather: {
            description: 'The weather in a city',
            parameters: schema,
            handler: (args, { signal, call }) => {
              assert.ok(signal instanceof AbortSignal);
              seen.push({ args, id: call.id });
              return { temperature: 21, unit: args.unit };
            },
          },
        };
        const chat = model.createChat({ tools, toolChoice: 'required', parallelToolCalls: false, generate: { maxTokens: 120 } });
        assert.equal(chat.toolSyntax, syntax);
        const events = [];
        for await (const event of chat.stream('What is the weather in Paris?')) events.push(event);
        assert.equal(seen.length, 1, 'the handler ran once');
        assert.ok(validate(seen[0].args), `arguments ${JSON.stringify(seen[0].args)} validate`);
        const [call] = events.filter((e) => e.type === 'toolCall');
        const [result] = events.filter((e) => e.type === 'toolResult');
        assert.deepEqual(call.call.arguments, seen[0].args);
        assert.equal(result.result, JSON.stringify({ temperature: 21, unit: seen[0].args.unit }));
        assert.ok(events.indexOf(call) < events.indexOf(result));
        // No text event carries the call's markup: the call is only a toolCall event.
        const shown = events.filter((e) => e.type === 'text').map((e) => e.text);
        assert.ok(!shown.join('').includes('get_weather'), `text shown: ${JSON.stringify(shown.join('').slice(0, 200))}`);
        // After the result the model generated again (a random model: until maxTokens), and the turn ended there.
        assert.ok(events.at(-1).finishReason);
        const history = chat.history;
        assert.deepEqual(
          history.map((m) => m.role),
          ['user', 'assistant', 'tool', 'assistant'],
        );
        assert.deepEqual(history[1].toolCalls[0].arguments, seen[0].args);
        assert.equal(history[2].toolCallId, history[1].toolCalls[0].id);
        // The result is in the prompt in the template's own tool-result form.
        const prompt = model.applyChatTemplate(history, { tools });
        assert.ok(prompt.includes(resultMarker), `the prompt has ${resultMarker}`);
        assert.ok(prompt.includes('temperature'));
      } finally {
        await model.dispose();
      }
    });
  }

  it('a call to a tool without a handler ends the turn with the calls; sendToolResults goes on from there', async () => {
    const model = await loadModel(await syntheticModel({ vocab: 'qwen2', chatTemplate: 'Qwen-Qwen2.5-7B-Instruct' }), { contextSize: 2048 });
    try {
      const chat = model.createChat({
        tools: { get_weather: { parameters: z.object({ city: z.string().max(10) }) } },
        toolChoice: { name: 'get_weather' },
        parallelToolCalls: false,
      });
      const reply = await chat.send('Weather?', { maxTokens: 80 });
      assert.equal(reply.finishReason, 'toolCalls');
      assert.equal(reply.toolCalls.length, 1);
      assert.ok(z.object({ city: z.string().max(10) }).safeParse(reply.toolCalls[0].arguments).success);
      const next = await chat.sendToolResults([{ id: reply.toolCalls[0].id, result: 'sunny' }], { maxTokens: 8, toolChoice: 'none' });
      assert.equal(next.finishReason, 'length');
      assert.deepEqual(
        chat.history.map((m) => m.role),
        ['user', 'assistant', 'tool', 'assistant'],
      );
      assert.equal(chat.history[2].content, 'sunny');
    } finally {
      await model.dispose();
    }
  });

  it("a handler's error goes back to the model as the result, or rejects the turn with toolErrors 'throw'", async () => {
    const model = await loadModel(await syntheticModel({ vocab: 'qwen2', chatTemplate: 'Qwen-Qwen2.5-7B-Instruct' }), { contextSize: 2048 });
    try {
      const failing = {
        parameters: { type: 'object', properties: { city: { enum: ['Paris'] } }, required: ['city'] },
        handler: () => {
          throw new Error('the weather service is down');
        },
      };
      const options = { tools: { get_weather: failing }, toolChoice: 'required', parallelToolCalls: false, generate: { maxTokens: 120 } };
      const reported = model.createChat(options);
      const reply = await reported.send('Weather?');
      const tool = reply.messages.find((m) => m.role === 'tool');
      assert.equal(tool.content, 'Error: the weather service is down');
      const thrown = model.createChat({ ...options, toolErrors: 'throw' });
      await assert.rejects(thrown.send('Weather?'), /the weather service is down/);
      assert.deepEqual(thrown.history, [], 'a rejected turn leaves the history as it was');
    } finally {
      await model.dispose();
    }
  });

  it('tools and tool choices are checked: INVALID_ARGUMENT names what is wrong', async () => {
    const model = await loadModel(await syntheticModel({ vocab: 'qwen2' }), { contextSize: 256 });
    try {
      const invalid = (fn, pattern) => assert.throws(fn, (e) => e instanceof FathomError && e.code === 'INVALID_ARGUMENT' && pattern.test(e.message));
      invalid(() => model.createChat({ tools: [] }), /tools must be an object of tools by name/);
      invalid(() => model.createChat({ tools: { 'bad name': {} } }), /tool name "bad name"/);
      invalid(() => model.createChat({ tools: { f: { parameters: { type: 'string' } } } }), /must describe an object/);
      invalid(() => model.createChat({ tools: { f: { handler: 3 } } }), /handler must be a function/);
      invalid(() => model.createChat({ tools: { f: {} }, toolChoice: { name: 'g' } }), /toolChoice names 'g'/);
      invalid(() => model.createChat({ toolChoice: 'always' }), /toolChoice must be/);
      invalid(() => model.parseAssistantMessage(3), /takes a string/);
    } finally {
      await model.dispose();
    }
  });
});
