// Tool calling and reasoning: llama.cpp's own parser cases (tests/test-chat.cpp, read from the
// bundle), every bundled template rendering a conversation with tools, calls and results, and
// chats on random-weight models carrying real templates, where the grammar makes the call.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';
import { z } from 'zod';

import { FathomError, Grammar, loadModel } from '../../dist/index.js';
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
  'seed-oss': ['ByteDance-Seed-OSS.jinja'],
  llama3: ['meta-llama-Llama-3.1-8B-Instruct.jinja', 'meta-llama-Llama-3.2-3B-Instruct.jinja', 'meta-llama-Llama-3.3-70B-Instruct.jinja'],
  'mistral-nemo': ['mistralai-Mistral-Nemo-Instruct-2407.jinja'],
  mistral: ['Mistral-Small-3.2-24B-Instruct-2506.jinja', 'unsloth-mistral-Devstral-Small-2507.jinja', 'mistralai-Ministral-3-14B-Reasoning-2512.jinja'],
  harmony: ['openai-gpt-oss-120b.jinja'],
  'deepseek-r1': ['deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja', 'deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja', 'llama-cpp-deepseek-r1.jinja'],
  'deepseek-v3.1': ['deepseek-ai-DeepSeek-V3.1.jinja'],
  'deepseek-dsml': ['deepseek-ai-DeepSeek-V3.2.jinja', 'deepseek-ai-DeepSeek-V4.jinja', 'deepseek-ai-DeepSeek-V4-Flash-0731.jinja'],
  'functionary-v3.1': ['meetkai-functionary-medium-v3.1.jinja'],
  'functionary-v3.2': ['meetkai-functionary-medium-v3.2.jinja'],
  firefunction: ['fireworks-ai-llama-3-firefunction-v2.jinja'],
  'command-r': ['CohereForAI-c4ai-command-r7b-12-2024-tool_use.jinja'],
  granite: ['ibm-granite-granite-3.3-2B-Instruct.jinja'],
  glm: ['GLM-4.6.jinja', 'GLM-4.7-Flash.jinja'],
  'kimi-k2': ['Kimi-K2-Thinking.jinja', 'moonshotai-Kimi-K2.jinja', 'Kimi-K2-Instruct.jinja'],
  gemma4: ['google-gemma-4-31B-it.jinja'],
  nemotron: ['NVIDIA-Nemotron-Nano-v2.jinja'],
  apriel: ['unsloth-Apriel-1.5.jinja'],
  lfm2: ['LFM2-8B-A1B.jinja', 'LFM2.5-Instruct.jinja', 'LFM2.5-8B-A1B.jinja'],
  minimax: ['MiniMax-M3.jinja'],
  generic: ['google-gemma-2-2b-it.jinja'],
};
// With reasoning_format NONE (test-chat.cpp's default) llama.cpp leaves reasoning in the content;
// fathom always separates it, so those cases are not comparable when the input has reasoning.
const REASONING_MARKERS = [
  '<think>',
  '</think>',
  '[THINK]',
  '[/THINK]',
  '<|START_THINKING|>',
  '<|END_THINKING|>',
  '<|channel|>analysis',
  '<|channel>',
  '<seed:think>',
];

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
    assert.ok(tally.passed >= 250, `${tally.passed} cases compared`);
    console.log(
      `# ${tally.passed} cases equal llama.cpp's; skipped: ${JSON.stringify(Object.fromEntries(tally.skipped))}; ${tally.other} cases of other families`,
    );
  });

  it('read as a stream, every prefix of those cases shows content and reasoning that only grow, up to the whole reading', async () => {
    const family = new Set(Object.values(FAMILIES).flat());
    let checked = 0;
    for (const c of cases) {
      if (!family.has(c.template) || c.skip || c.reasoningFormat === 'NONE') continue;
      const options = { template: await bundleText(`models/templates/${c.template}`), tools: toolSet(c.tools), templateVariables: c.variables };
      const final = model.parseAssistantMessage(c.input, options);
      let shown = { content: '', reasoning: '' };
      const chars = [...c.input];
      for (let i = 1; i < chars.length; i++) {
        const now = model.parseAssistantMessage(chars.slice(0, i).join(''), { ...options, partial: true });
        assert.deepEqual(now.toolCalls, [], 'calls are read once the reply ends');
        for (const kind of ['content', 'reasoning']) {
          assert.ok(
            now[kind].startsWith(shown[kind]),
            `${c.template} ${JSON.stringify(c.input)} at ${i}: ${kind} ${JSON.stringify(now[kind])} after ${JSON.stringify(shown[kind])}`,
          );
          assert.ok(
            final[kind].startsWith(now[kind]),
            `${c.template} ${JSON.stringify(c.input)} at ${i}: ${kind} ${JSON.stringify(now[kind])} is not the start of ${JSON.stringify(final[kind])}`,
          );
        }
        shown = now;
      }
      checked++;
    }
    assert.ok(checked >= 100, `${checked} cases streamed`);
  });

  it('hostile replies (nesting past the stack, megabytes of markup) read as content, quickly, with no raw error', async () => {
    const hostile = [
      ['LFM2-8B-A1B', `<|tool_call_start|>[f(a=${'['.repeat(200000)}`],
      ['google-gemma-4-31B-it', `<|tool_call>call:f{a:${'['.repeat(200000)}`],
      ['MiniMax-M3', `]<]minimax[>[<tool_call>\n]<]minimax[>[<invoke name="f">${']<]minimax[>[<a>'.repeat(100000)}`],
      ['Qwen-Qwen2.5-7B-Instruct', `<tool_call>${'['.repeat(1000000)}`],
      ['openai-gpt-oss-120b', '<|channel|>analysis<|message|>'.repeat(50000)],
    ];
    for (const [name, text] of hostile) {
      const template = await bundleText(`models/templates/${name}.jinja`);
      const read = model.parseAssistantMessage(text, { template });
      assert.deepEqual(read.toolCalls, [], name);
    }
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
    const original = structuredClone(conversation);
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
    assert.deepEqual(conversation, original, 'rendering leaves the messages given as they were');
  });

  it("Python-Jinja behaviours leave the library's own alone: default() of an undefined value, tojson", () => {
    const render = (template) => model.applyChatTemplate([{ role: 'user', content: 'Hi' }], { template });
    assert.equal(render("{{ nothing | default('fallback') }}|{{ nothing | trim }}|{{ nothing | length }}"), 'fallback||0');
    assert.equal(render('{% for x in nothing %}x{% else %}none{% endfor %}|{{ [1, 2] | tojson }}'), 'none|[1, 2]');
    assert.equal(render('{% set ns = namespace(l=[]) %}{% set _ = ns.l.append(1) %}{{ ns.l.length }}{{ ns.l | length }}'), '11');
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
  // The vocabulary each template's family ships with, or one of its kind. The first four models carry
  // their template in the file (tokenizer.chat_template); the others are given theirs with createChat.
  const MODELS = [
    ['qwen2', 'Qwen-Qwen2.5-7B-Instruct', 'hermes', '<tool_response>', true],
    ['llama-bpe', 'meta-llama-Llama-3.1-8B-Instruct', 'llama3', '<|start_header_id|>ipython<|end_header_id|>', true],
    ['llama-spm', 'mistralai-Mistral-Nemo-Instruct-2407', 'mistral-nemo', '[TOOL_RESULTS]', true],
    ['qwen2', 'openai-gpt-oss-120b', 'harmony', '<|start|>functions.get_weather to=assistant', true],
    ['qwen2', 'Qwen-Qwen3-0.6B', 'hermes', '<tool_response>'],
    ['llama-spm', 'Mistral-Small-3.2-24B-Instruct-2506', 'mistral', '[TOOL_RESULTS]'],
    ['qwen2', 'Qwen3-Coder', 'qwen3-coder', '<tool_response>'],
    ['qwen2', 'GLM-4.6', 'glm', '<|observation|>'],
    ['llama-bpe', 'moonshotai-Kimi-K2', 'kimi-k2', '## Return of functions.get_weather:'],
    ['command-r', 'CohereForAI-c4ai-command-r7b-12-2024-tool_use', 'command-r', '<|START_TOOL_RESULT|>'],
    ['llama-bpe', 'meetkai-functionary-medium-v3.1', 'functionary-v3.1', '<|start_header_id|>ipython<|end_header_id|>'],
    ['llama-bpe', 'meetkai-functionary-medium-v3.2', 'functionary-v3.2', '<|start_header_id|>tool<|end_header_id|>'],
    ['qwen2', 'deepseek-ai-DeepSeek-V3.2', 'deepseek-dsml', '<function_results>'],
    ['llama-bpe', 'deepseek-ai-DeepSeek-V3.1', 'deepseek-v3.1', '<｜tool▁output▁begin｜>'],
    ['llama-bpe', 'ibm-granite-granite-3.3-2B-Instruct', 'granite', '<|start_of_role|>tool<|end_of_role|>'],
    ['llama-bpe', 'LFM2-8B-A1B', 'lfm2', '<|tool_response_start|>'],
    ['llama-bpe', 'LFM2.5-8B-A1B', 'lfm2', '<|im_start|>tool'],
    ['llama-bpe', 'MiniMax-M3', 'minimax', '<response>'],
    ['llama-bpe', 'google-gemma-2-2b-it', 'generic', '{"tool_responses":'],
  ];
  // Q8_0 keeps these 152k- and 256k-word models small on disk.
  const load = async (vocab, chatTemplate) => loadModel(await syntheticModel({ vocab, type: 'Q8_0', chatTemplate }), { contextSize: 2048 });

  for (const [vocab, template, syntax, resultMarker, carried] of MODELS) {
    it(`${template}: toolChoice 'required' makes a valid call, the handler runs, its result is rendered, generation goes on`, async () => {
      const model = await load(vocab, carried ? template : undefined);
      const source = await bundleText(`models/templates/${template}.jinja`);
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
        // One forced call, then a free generation (maxToolSteps 1): a random model under 'auto' may call again and again.
        // thinking: false, so that the call comes first (a random model's reasoning need never end).
        const chat = model.createChat({
          ...(carried ? {} : { template: source }),
          tools,
          toolChoice: 'required',
          parallelToolCalls: false,
          maxToolSteps: 1,
          thinking: false,
          generate: { maxTokens: 240 },
        });
        if (carried) assert.equal(model.chatTemplate, source);
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
        // The result is in the prompt in the template's own tool-result form (the marker is the template's, or the generic JSON's).
        const { prompt } = chat;
        assert.ok(prompt.includes(resultMarker), `the prompt has ${resultMarker}`);
        assert.ok(source.includes(resultMarker.slice(0, 12)) || syntax === 'generic');
        assert.ok(prompt.includes('temperature'));
      } finally {
        await model.dispose();
      }
    });
  }

  it('a call to a tool without a handler ends the turn with the calls; sendToolResults goes on from there', async () => {
    const model = await load('qwen2', 'Qwen-Qwen2.5-7B-Instruct');
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
    const model = await load('qwen2', 'Qwen-Qwen2.5-7B-Instruct');
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

  it('arguments the grammar does not hold to the schema (a raw string with a pattern) never reach the handler unvalidated', async () => {
    // Qwen3-Coder writes strings raw: the grammar bounds the length, the pattern is checked after generation, against the schema.
    const model = await load('qwen2');
    try {
      const pattern = { type: 'object', properties: { code: { type: 'string', maxLength: 6, pattern: '^[A-Z]{3}$' } }, required: ['code'] };
      const valid = new Ajv2020().compile(pattern);
      const seen = [];
      const chat = model.createChat({
        template: await bundleText('models/templates/Qwen3-Coder.jinja'),
        tools: { lookup: { parameters: pattern, handler: (args) => (seen.push(args), 'found') } },
        toolChoice: 'required',
        parallelToolCalls: false,
        maxToolSteps: 1,
        generate: { maxTokens: 200 },
      });
      const results = [];
      for await (const event of chat.stream('Look up the code.')) if (event.type === 'toolResult') results.push(event);
      assert.equal(results.length, 1);
      for (const args of seen) assert.ok(valid(args), `the handler saw ${JSON.stringify(args)}`);
      const [result] = results;
      if (valid(result.call.arguments)) assert.deepEqual([result.isError, seen.length], [false, 1]);
      else assert.deepEqual([result.isError, seen.length, /^Error: arguments\/code must match pattern/.test(result.result)], [true, 0, true]);
    } finally {
      await model.dispose();
    }
  });

  it('a schema with an $id serves several chats and turns (each tool set validates on its own)', async () => {
    const model = await load('qwen2');
    try {
      const tools = { lookup: { parameters: { $id: 'https://example.com/lookup', type: 'object', properties: { q: { type: 'string' } } } } };
      model.createChat({ tools });
      const chat = model.createChat({ tools });
      assert.equal(chat.toolSyntax, 'generic');
      // Gemma 4's notation: a number with a leading zero is not a value, so the text stays content (no raw SyntaxError).
      const gemma = await bundleText('models/templates/google-gemma-4-31B-it.jinja');
      assert.deepEqual(model.parseAssistantMessage('<|tool_call>call:f{a:007}<tool_call|>', { template: gemma }).toolCalls, []);
    } finally {
      await model.dispose();
    }
  });

  it('tools and tool choices are checked: INVALID_ARGUMENT names what is wrong', async () => {
    const model = await load('qwen2');
    try {
      const invalid = (fn, pattern) => assert.throws(fn, (e) => e instanceof FathomError && e.code === 'INVALID_ARGUMENT' && pattern.test(e.message));
      invalid(() => model.createChat({ tools: [] }), /tools must be an object of tools by name/);
      invalid(() => model.createChat({ tools: { 'bad name': {} } }), /tool name "bad name"/);
      invalid(() => model.createChat({ tools: { f: { parameters: { type: 'string' } } } }), /must describe an object/);
      invalid(() => model.createChat({ tools: { f: { handler: 3 } } }), /handler must be a function/);
      invalid(() => model.createChat({ tools: { f: { parameters: { type: 'object', properties: { a: { type: 'nonsense' } } } } } }), /not a valid JSON Schema/);
      invalid(() => model.createChat({ tools: { f: {} }, toolChoice: { name: 'g' } }), /toolChoice names 'g'/);
      invalid(() => model.createChat({ toolChoice: 'always' }), /toolChoice must be/);
      invalid(() => model.parseAssistantMessage(3), /takes a string/);
    } finally {
      await model.dispose();
    }
  });
});

describe('reasoning, streamed apart from the text', () => {
  // The grammar writes the reply, so what the chat makes of it is known.
  const events = async (chat, reply, options = {}) => {
    const out = { reasoning: '', text: '', kinds: [] };
    for await (const e of chat.stream('Hi', { grammar: Grammar.gbnf(`root ::= ${JSON.stringify(reply)}`), ...options })) {
      if (e.type === 'reasoning') out.reasoning += e.text;
      if (e.type === 'text') out.text += e.text;
      if (e.text) out.kinds.push(e.type);
    }
    return out;
  };

  it('<think> in the reply (Qwen 3) and in the prompt (DeepSeek R1 opens it): reasoning, then text', async () => {
    const qwen = await loadModel(await syntheticModel({ vocab: 'qwen2', type: 'Q8_0' }), { contextSize: 1024 });
    const r1 = await loadModel(await syntheticModel({ vocab: 'llama-bpe', type: 'Q8_0' }), { contextSize: 1024 });
    try {
      const qwenTemplate = await bundleText('models/templates/Qwen-Qwen3-0.6B.jinja');
      const chat = qwen.createChat({ template: qwenTemplate });
      const got = await events(chat, '<think>\nI am thinking\n</think>\n\nHello there');
      assert.equal(got.reasoning, 'I am thinking');
      assert.equal(got.text, 'Hello there');
      assert.ok(got.kinds.indexOf('text') > got.kinds.lastIndexOf('reasoning'), 'all reasoning comes before the text');
      assert.deepEqual(chat.history[1], { role: 'assistant', content: 'Hello there', reasoning: 'I am thinking' });
      // thinking: false is the template's enable_thinking: Qwen 3's prompt then closes an empty think block itself.
      const closed = qwen.createChat({ template: qwenTemplate, thinking: false, history: [{ role: 'user', content: 'Hi' }] });
      assert.ok(closed.prompt.endsWith('<think>\n\n</think>\n\n'));

      const r1Template = await bundleText('models/templates/deepseek-ai-DeepSeek-R1-Distill-Llama-8B.jinja');
      const opened = r1.createChat({ template: r1Template });
      assert.ok(opened.prompt.endsWith('<think>\n'), 'the R1 template opens the reasoning in the prompt');
      // (A turn's grammar would start after that reasoning, so the reply is read here as the chat reads it.)
      const read = r1.parseAssistantMessage('Weighing it up.</think>The answer.', { template: r1Template });
      assert.deepEqual([read.reasoning, read.content], ['Weighing it up.', 'The answer.']);
    } finally {
      await qwen.dispose();
      await r1.dispose();
    }
  });

  it('text in the last chunk (before a stop string) is part of the reply', async () => {
    const model = await loadModel(await syntheticModel({ vocab: 'qwen2', type: 'Q8_0' }), { contextSize: 1024 });
    try {
      const chat = model.createChat({ template: await bundleText('models/templates/Qwen-Qwen2.5-7B-Instruct.jinja') });
      const reply = await chat.send('Hi', { grammar: Grammar.gbnf('root ::= "Hello there. More"'), stop: ['.'] });
      assert.deepEqual([reply.text, reply.finishReason], ['Hello there', 'stop']);
      assert.equal(chat.history[1].content, 'Hello there');
    } finally {
      await model.dispose();
    }
  });

  it("a turn's JSON grammar starts after the reasoning the prompt opened", async () => {
    // A template in Gemma 4's syntax whose prompt opens a thought block; in Gemma 4's vocabulary the
    // block's end, <channel|>, is one token, which the random model is pushed to write at once (JSON
    // without strings never takes it). Without the reasoning first, the JSON would be written inside
    // the open block, and the reply would have no content.
    const model = await loadModel(await syntheticModel({ vocab: 'gemma-4', type: 'Q8_0' }), { contextSize: 1024 });
    try {
      const template = "{# speaks Gemma 4's '<|tool_call>call:' #}{% for m in messages %}{{ m.content }}{% endfor %}<|channel>thought\n";
      const chat = model.createChat({ template });
      assert.equal(chat.toolSyntax, 'gemma4');
      const digit = Grammar.jsonSchema({
        type: 'object',
        properties: { n: { type: 'integer', minimum: 0, maximum: 9 } },
        required: ['n'],
        additionalProperties: false,
      });
      const [end] = model.tokenize('<channel|>', { special: true, addBos: false });
      const reply = await chat.send('A digit?', { grammar: digit, logitBias: { [end]: 30 }, maxTokens: 40 });
      assert.equal(reply.finishReason, 'eos');
      assert.equal(reply.reasoning, '');
      assert.ok(Number.isInteger(reply.json.n), reply.text);
    } finally {
      await model.dispose();
    }
  });

  it("Harmony's analysis channel is reasoning, its final channel the text; reasoningEffort reaches the template", async () => {
    const model = await loadModel(await syntheticModel({ vocab: 'qwen2', type: 'Q8_0', chatTemplate: 'openai-gpt-oss-120b' }), { contextSize: 1024 });
    try {
      const chat = model.createChat({ reasoningEffort: 'high' });
      assert.ok(chat.prompt.includes('Reasoning: high'));
      const got = await events(chat, '<|channel|>analysis<|message|>Let me see.<|end|><|start|>assistant<|channel|>final<|message|>Done.');
      assert.deepEqual([got.reasoning, got.text], ['Let me see.', 'Done.']);
    } finally {
      await model.dispose();
    }
  });
});
