// Chat: real templates from llama.cpp's repository rendered as node-llama-cpp
// renders them; conversations keep their history and reuse the cached prefix.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { CHATML_TEMPLATE, loadModel } from '../../dist/index.js';
import { bundleFile, bundleText } from '../helpers/bundle.mjs';
import { ROOT, skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';

// Templates whose rendering node-llama-cpp's JinjaTemplateChatWrapper gives the way llama.cpp does.
// (It differs by design on others: it rewrites system messages for Mistral and Gemma, and renders
// an empty assistant turn instead of add_generation_prompt, which matters for Qwen3 and DeepSeek-R1.)
const TEMPLATES = [
  'Qwen-Qwen2.5-7B-Instruct',
  'meta-llama-Llama-3.1-8B-Instruct',
  'meta-llama-Llama-3.2-3B-Instruct',
  'microsoft-Phi-3.5-mini-instruct',
  'HuggingFaceTB-SmolLM3-3B',
  'ibm-granite-granite-3.3-2B-Instruct',
];
const MESSAGES = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Hello!' },
  { role: 'assistant', content: 'Hi there.' },
  { role: 'user', content: 'Tell me a story about "quotes" and\nnew lines.' },
];

async function llamaCppRender(vocab, cases) {
  const script = path.join(ROOT, 'test', 'reference', 'llama-cpp-chat.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [script, JSON.stringify({ vocab, cases })], { maxBuffer: 16 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop());
}

describe('chat templates', () => {
  let vocab;
  let model;
  let templates;

  before(async () => {
    vocab = await bundleFile('models/ggml-vocab-llama-bpe.gguf');
    model = await loadModel(vocab, { vocabOnly: true });
    templates = await Promise.all(TEMPLATES.map((name) => bundleText(`models/templates/${name}.jinja`)));
  });
  after(() => model?.dispose());

  it('render as node-llama-cpp renders them', async () => {
    const reference = await llamaCppRender(
      vocab,
      templates.map((template) => ({ template, messages: MESSAGES })),
    );
    // fathom passes today's date (date_string, datetime) as llama.cpp does; node-llama-cpp leaves Llama 3.1
    // its template's default, 26 Jul 2024 (3.2's template asks strftime_now, today). The rest must be equal.
    templates.forEach((template, i) => {
      const variables = TEMPLATES[i] === 'meta-llama-Llama-3.1-8B-Instruct' ? { date_string: '26 Jul 2024' } : {};
      assert.equal(model.applyChatTemplate(MESSAGES, { template, variables }), reference[i], TEMPLATES[i]);
    });
  });

  it('add the generation prompt only when asked', () => {
    const [qwen] = templates;
    const open = model.applyChatTemplate(MESSAGES, { template: qwen });
    const closed = model.applyChatTemplate(MESSAGES, { template: qwen, addGenerationPrompt: false });
    assert.equal(open, `${closed}<|im_start|>assistant\n`);
  });

  it("a file without a template gets llama.cpp's ChatML", () => {
    assert.equal(model.chatTemplate, null);
    assert.equal(model.applyChatTemplate(MESSAGES.slice(1, 2)), '<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n');
    assert.equal(model.applyChatTemplate(MESSAGES, { template: CHATML_TEMPLATE }), model.applyChatTemplate(MESSAGES));
  });

  it('bad templates are TEMPLATE_ERROR, bad messages INVALID_ARGUMENT', () => {
    assert.throws(
      () => model.applyChatTemplate(MESSAGES, { template: '{% for %}' }),
      (e) => e.code === 'TEMPLATE_ERROR' && /parsed/.test(e.message),
    );
    assert.throws(
      () => model.applyChatTemplate([{ role: 'user' }]),
      (e) => e.code === 'INVALID_ARGUMENT',
    );
    assert.throws(
      () => model.applyChatTemplate(MESSAGES, { template: "{{ raise_exception('no system') }}" }),
      (e) => e.code === 'TEMPLATE_ERROR' && /no system/.test(e.message),
    );
  });

  it('a hostile template is stopped within its budget (time, string and list sizes, range) with TEMPLATE_ERROR', () => {
    const hostile = [
      // Each ended the process (V8 out of memory) or blocked the JS thread for tens of seconds before.
      ['{% for i in range(300000000) %}x{% endfor %}', /range\(\) of 300000000/],
      ['{% for i in range(1000000) %}{% for j in range(1000000) %}x{% endfor %}{% endfor %}', /ran past/],
      ["{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}", /string of more than/],
      ['{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}', /list or mapping of more than/],
      [`{{ ${'('.repeat(100000)}1${')'.repeat(100000)} }}`, /call stack/],
    ];
    for (const [template, message] of hostile) {
      assert.throws(
        () => model.applyChatTemplate(MESSAGES, { template }),
        (e) => e.code === 'TEMPLATE_ERROR' && message.test(e.message),
        template.slice(0, 80),
      );
    }
    // The library is left as it was: a plain template renders after them.
    assert.equal(model.applyChatTemplate(MESSAGES.slice(1, 2), { template: CHATML_TEMPLATE }), '<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n');
  });
});

describe('chat sessions', { skip: skipWithoutStories }, () => {
  let model;

  before(async () => {
    model = await loadModel(STORIES_260K, { contextSize: 512 });
  });
  after(() => model?.dispose());

  it('send keeps the history; the next turn evaluates only what is new', async () => {
    const context = await model.createContext({ contextSize: 512 });
    try {
      const chat = model.createChat({ system: 'Tell stories.', context, generate: { maxTokens: 24 } });
      const first = await chat.send('Once upon a time');
      assert.equal(first.finishReason, 'length');
      assert.equal(first.tokens.length, 24);
      assert.deepEqual(
        chat.history.map((m) => m.role),
        ['system', 'user', 'assistant'],
      );
      assert.equal(chat.history[2].content, first.text);

      const before = context.stats.tokensEvaluated;
      const second = await chat.send('Tom and his dog');
      const evaluated = context.stats.tokensEvaluated - before;
      assert.ok(second.promptTokens > 60, `second prompt has ${second.promptTokens} tokens`);
      // The first turn's prompt and reply are cached: far fewer than the whole prompt are evaluated again.
      assert.ok(evaluated < second.promptTokens / 2, `evaluated ${evaluated} of ${second.promptTokens} prompt tokens (+ ${second.tokens.length} generated)`);
      assert.deepEqual(
        chat.history.map((m) => m.role),
        ['system', 'user', 'assistant', 'user', 'assistant'],
      );
    } finally {
      await context.dispose();
    }
  });

  it('the prompt a turn evaluates is the template rendering of the history', async () => {
    const chat = model.createChat({ system: 'S' });
    const reply = await chat.send('Lily', { maxTokens: 8, ignoreEos: true });
    const expected = model.tokenize(
      model.applyChatTemplate([
        { role: 'system', content: 'S' },
        { role: 'user', content: 'Lily' },
      ]),
      { special: true },
    );
    assert.equal(reply.promptTokens, expected.length);
    // The same tokens through complete() give the same reply.
    assert.deepEqual((await model.complete(expected, { maxTokens: 8, ignoreEos: true })).tokens, reply.tokens);
  });

  it('a conversation longer than the context leaves its oldest turns out of the prompt', async () => {
    // (ChatML's markers are plain text to this vocabulary: one turn is about 40 tokens.)
    const context = await model.createContext({ contextSize: 192 });
    try {
      const chat = model.createChat({ system: 'S', context, generate: { maxTokens: 16, ignoreEos: true } });
      const prompts = [];
      for (let turn = 0; turn < 6; turn++) prompts.push((await chat.send(`Turn ${turn}: Lily and Tom went to the park.`)).promptTokens);
      assert.equal(chat.history.length, 13); // everything is kept in the history
      assert.ok(
        prompts.every((n) => n <= 192 - 16),
        `prompt sizes ${prompts}`,
      );
      assert.ok(prompts.at(-1) < prompts.slice(0, 3).reduce((a, b) => a + b, 0), 'older turns were left out');
    } finally {
      await context.dispose();
    }
  });

  it('stream yields the reply in chunks and records it', async () => {
    const chat = model.createChat();
    let text = '';
    for await (const chunk of chat.stream('Lily', { maxTokens: 16 })) text += chunk.text;
    assert.equal(chat.history.at(-1).content, text);
  });

  it('an aborted turn leaves the history as it was', async () => {
    const chat = model.createChat({ system: 'S' });
    const controller = new AbortController();
    controller.abort();
    const reply = await chat.send('Lily', { signal: controller.signal });
    assert.equal(reply.finishReason, 'abort');
    assert.equal(chat.history.length, 1);
  });

  it('a template without a system role gets the system text in the first user message', async () => {
    const gemma = await bundleText('models/templates/google-gemma-2-2b-it.jinja');
    assert.throws(() =>
      model.applyChatTemplate(
        [
          { role: 'system', content: 'S' },
          { role: 'user', content: 'U' },
        ],
        { template: gemma },
      ),
    );
    const chat = model.createChat({ template: gemma, system: 'Be brief.' });
    const reply = await chat.send('Lily', { maxTokens: 4, ignoreEos: true });
    // The template writes BOS itself; with special-token parsing it is one token, not doubled.
    const expected = model.tokenize(model.applyChatTemplate([{ role: 'user', content: 'Be brief.\n\nLily' }], { template: gemma }), {
      special: true,
      addBos: false,
    });
    assert.equal(expected[0], model.vocabulary.bos);
    assert.equal(reply.promptTokens, expected.length);
  });
});
