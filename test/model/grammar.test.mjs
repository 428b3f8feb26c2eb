// Constrained generation on a real model: the same tokens as node-llama-cpp's grammar on the
// same GBNF (greedy, and seeded sampling through the same draw-then-mask order), lazy grammars,
// grammars shared by concurrent sequences, JSON results, and an output cut by maxTokens.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import * as z from 'zod';

import { Grammar, loadModel } from '../../dist/index.js';
import { bundleText } from '../helpers/bundle.mjs';
import { skipWithoutStories, STORIES_260K } from '../helpers/fixtures.mjs';
import { llamaCppReference } from '../helpers/reference.mjs';
import { syntheticModel } from '../helpers/synthetic.mjs';

const BUNDLED = ['json', 'json_arr', 'arithmetic', 'list', 'c', 'chess', 'english', 'japanese'];
const PROMPTS = ['Once upon a time', 'The list:', '{"a":'];
// Whole tokens: token 13 is the newline byte of this vocabulary.
const TOKEN_GRAMMAR = 'root ::= "Once" (!<[13]>){2,6} <[13]>';

// Our tokens, with the end-of-generation token (2 here) where the generation ended on it, as the reference reports it.
async function constrained(model, prompt, grammar, options = {}) {
  const tokens = [];
  for await (const chunk of model.generate(prompt, { grammar, maxTokens: 64, ...options })) {
    tokens.push(...chunk.tokens);
    if (chunk.finishReason === 'eos') tokens.push(2);
  }
  return tokens;
}

// The reference's tokens as { tokens, ended }: a final end-of-generation token is the end, not a token.
function referenceRun(model, tokens) {
  const ended = tokens.length > 0 && model.tokenizer.isEog(tokens.at(-1));
  return { tokens: ended ? tokens.slice(0, -1) : tokens, ended };
}

describe('grammar-constrained generation on synthetic models with real vocabularies', () => {
  // 32k SentencePiece and 152k byte-level BPE pieces: multi-byte characters split across tokens, long tokens.
  for (const [architecture, vocab] of [
    ['llama', 'llama-spm'],
    ['qwen2', 'qwen2'],
  ]) {
    it(`${architecture} with the ${vocab} vocabulary: greedy output equals node-llama-cpp's`, async () => {
      const file = await syntheticModel({ architecture, vocab });
      const names = ['json', 'arithmetic', 'list', 'c', 'japanese'];
      const texts = await Promise.all(names.map((name) => bundleText(`grammars/${name}.gbnf`)));
      const schema = Grammar.jsonSchema({
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid' },
          n: { type: 'integer', minimum: 1, maximum: 500 },
          tags: { type: 'array', items: { enum: ['a', 'b'] } },
        },
        required: ['id', 'n'],
      });
      names.push('schema');
      texts.push(schema.gbnf);
      const reference = await llamaCppReference({
        model: file,
        constrained: texts.map((grammar) => ({ prompt: 'Once upon a time', grammar, maxTokens: 48 })),
      });
      const model = await loadModel(file);
      try {
        let characters = 0;
        for (const [i, text] of texts.entries()) {
          const result = await model.complete('Once upon a time', { grammar: Grammar.gbnf(text), maxTokens: 48 });
          assert.deepEqual({ tokens: result.tokens, ended: result.finishReason === 'eos' }, referenceRun(model, reference.constrained[i]), names[i]);
          characters += result.text.length;
        }
        assert.ok(characters > 300, `the outputs are not trivial (${characters} characters)`);
      } finally {
        await model.dispose();
      }
    });
  }
});

describe("token masks: the trie walk allows exactly the tokens each token's own check allows", () => {
  // The mask takes whole trie subtrees at once (a state's run of alike characters, bounded or not; only
  // the children a state takes; characters split across tokens); the sampler checks a drawn token by
  // walking its text. At every state of a random walk through each grammar both must agree.
  const schemas = {
    bounded: { type: 'object', properties: { s: { type: 'string', minLength: 2, maxLength: 5 }, t: { type: 'string', maxLength: 40 } }, required: ['s', 't'] },
    formats: {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        at: { type: 'string', format: 'date-time' },
        mail: { type: 'string', format: 'email' },
        code: { type: 'string', pattern: '^[A-Z]{3}-[0-9]{2,4}$' },
      },
      required: ['id', 'at', 'mail', 'code'],
    },
    recursive: {
      $ref: '#/$defs/node',
      $defs: {
        node: {
          type: 'object',
          properties: { name: { type: 'string', maxLength: 8 }, children: { type: 'array', maxItems: 3, items: { $ref: '#/$defs/node' } } },
          required: ['name', 'children'],
        },
      },
    },
  };
  for (const [architecture, vocab] of [
    ['llama', 'llama-spm'],
    ['qwen2', 'qwen2'],
  ]) {
    it(`on the ${vocab} vocabulary, for bundled grammars and JSON schemas`, async () => {
      const model = await loadModel(await syntheticModel({ architecture, vocab }));
      try {
        const grammars = Object.entries(schemas).map(([name, schema]) => [name, Grammar.jsonSchema(schema)]);
        for (const name of ['json', 'c', 'arithmetic', 'japanese', 'list']) grammars.push([name, Grammar.gbnf(await bundleText(`grammars/${name}.gbnf`))]);
        let steps = 0;
        for (const [name, grammar] of grammars) {
          for (const seed of [1, 2]) {
            const audit = grammar.compiled(model.tokenizer).auditMasks(seed, 24);
            assert.deepEqual([...audit.tokens], [], `${name}, seed ${seed}: tokens at steps ${[...audit.at]}`);
            steps += audit.steps;
          }
        }
        assert.ok(steps > 200, `the walks went somewhere (${steps} states)`);
      } finally {
        await model.dispose();
      }
    });
  }
});

describe('grammar-constrained generation', { skip: skipWithoutStories }, () => {
  let model;
  let texts;
  before(async () => {
    model = await loadModel(STORIES_260K);
    texts = Object.fromEntries(await Promise.all(BUNDLED.map(async (name) => [name, await bundleText(`grammars/${name}.gbnf`)])));
  });
  after(() => model?.dispose());

  it("greedy output equals node-llama-cpp's on llama.cpp's bundled grammars and a token grammar", async () => {
    const cases = [];
    for (const name of BUNDLED) for (const prompt of PROMPTS) cases.push({ name, prompt, grammar: texts[name] });
    cases.push({ name: 'tokens', prompt: 'Once upon a time', grammar: TOKEN_GRAMMAR });
    const reference = await llamaCppReference({
      model: STORIES_260K,
      constrained: cases.map(({ prompt, grammar }) => ({ prompt, grammar, maxTokens: 64 })),
    });
    let characters = 0;
    for (const [i, { name, prompt, grammar }] of cases.entries()) {
      const ours = await constrained(model, prompt, Grammar.gbnf(grammar));
      assert.deepEqual(ours, reference.constrained[i], `${name} after ${JSON.stringify(prompt)}`);
      characters += model.detokenize(ours).length;
    }
    assert.ok(characters > 1000, `the outputs are not trivial (${characters} characters)`);
  });

  it("seeded sampling equals node-llama-cpp's (the chain draws first; a refused token costs a mask and a second draw)", async () => {
    const options = { temperature: 0.9, topK: 40, topP: 0.95, seed: 4321 };
    const names = ['json', 'arithmetic', 'list', 'japanese'];
    const reference = await llamaCppReference({
      model: STORIES_260K,
      constrained: names.map((name) => ({ prompt: 'Once upon a time', grammar: texts[name], maxTokens: 64, options })),
    });
    for (const [i, name] of names.entries()) {
      assert.deepEqual(await constrained(model, 'Once upon a time', Grammar.gbnf(texts[name]), options), reference.constrained[i], name);
    }
  });

  it('the output always matches the grammar, and a JSON result parses', async () => {
    const json = Grammar.json();
    for (let seed = 0; seed < 8; seed++) {
      const result = await model.complete('Once upon a time', { grammar: json, temperature: 1, seed, maxTokens: 400 });
      assert.equal(result.finishReason, 'eos', `seed ${seed}: ${result.text}`);
      assert.equal(json.matches(result.text), true, result.text);
      assert.deepEqual(result.json, JSON.parse(result.text));
    }
  });

  it("a chat reply under a JSON grammar has its parsed json, the turn's grammar or the chat's", async () => {
    const grammar = Grammar.jsonSchema({ type: 'object', properties: { n: { type: 'integer', minimum: 0, maximum: 9 } }, required: ['n'] });
    const template = '{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}';
    const turn = model.createChat({ template });
    const reply = await turn.send('A number?', { grammar, temperature: 1, seed: 3, maxTokens: 64 });
    assert.equal(reply.finishReason, 'eos', reply.text);
    assert.deepEqual(reply.json, JSON.parse(reply.text));
    assert.equal(turn.history.at(-1).content, reply.text);
    const chat = model.createChat({ template, generate: { grammar, temperature: 1, seed: 5, maxTokens: 64 } });
    const second = await chat.send('Another?');
    assert.deepEqual(second.json, JSON.parse(second.text));
    const cut = await chat.send('More?', { maxTokens: 1 });
    assert.throws(
      () => cut.json,
      (e) => e.code === 'INCOMPLETE_OUTPUT',
    );
    const free = await model.createChat({ template }).send('Hi', { maxTokens: 4 });
    assert.equal('json' in free, false);
  });

  it('every string format: samples validate with ajv-formats', async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const formats = [
      'date',
      'time',
      'date-time',
      'iso-time',
      'iso-date-time',
      'duration',
      'uuid',
      'email',
      'idn-email',
      'hostname',
      'idn-hostname',
      'ipv4',
      'ipv6',
      'uri',
      'uri-reference',
      'iri',
      'iri-reference',
      'url',
      'uri-template',
      'json-pointer',
      'relative-json-pointer',
      'byte',
      'regex',
      'password',
      'binary',
    ];
    let ended = 0;
    for (const format of formats) {
      const schema = { type: 'string', format };
      const grammar = Grammar.jsonSchema(schema);
      const validate = ajv.compile(schema);
      for (const seed of [1, 2, 3]) {
        const result = await model.complete('"', { grammar, temperature: 1, seed, maxTokens: 200 });
        if (result.finishReason !== 'eos') continue;
        assert.ok(validate(result.json), `${format}: ${result.text}`);
        ended++;
      }
    }
    assert.ok(ended >= formats.length * 2, `${ended} of ${formats.length * 3} samples ended`);
    const int32 = Grammar.jsonSchema({ type: 'number', format: 'int32' });
    assert.equal(int32.matches('2147483647'), true);
    assert.equal(int32.matches('2147483648'), false);
    assert.equal(int32.matches('1.5'), false);
  });

  it("a Zod schema: every sample that ends passes the schema's own safeParse", async () => {
    const schema = z.object({
      name: z.string().max(24),
      age: z.number().int().min(0).max(120),
      id: z.uuid(),
      when: z.iso.datetime(),
      tags: z.array(z.enum(['a', 'b', 'c'])).max(3),
      role: z.union([z.literal('admin'), z.literal('user')]),
      note: z.string().max(30).nullable(),
    });
    const grammar = Grammar.jsonSchema(schema);
    let ended = 0;
    for (let seed = 0; seed < 12; seed++) {
      const result = await model.complete('{', { grammar, temperature: 1, seed, maxTokens: 300 });
      if (result.finishReason !== 'eos') continue;
      ended++;
      assert.ok(schema.safeParse(result.json).success, result.text);
    }
    assert.ok(ended >= 6, `${ended} of 12 samples ended`);
  });

  it("a generation cut by maxTokens ends with 'length' and its json throws INCOMPLETE_OUTPUT", async () => {
    const result = await model.complete('Once upon a time', { grammar: Grammar.json(), maxTokens: 3 });
    assert.equal(result.finishReason, 'length');
    assert.throws(
      () => result.json,
      (e) => e.code === 'INCOMPLETE_OUTPUT' && /'length'/.test(e.message),
    );
  });

  it('a lazy grammar constrains nothing until its trigger, then from the trigger on', async () => {
    const free = await model.complete('Once upon a time', { maxTokens: 40 });
    const at = free.text.indexOf('girl');
    assert.ok(at > 0, free.text);
    const lazy = Grammar.gbnf('root ::= "girl" " said" [a-z ]{1,12} "."', { triggers: ['girl'] });
    const result = await model.complete('Once upon a time', { grammar: lazy, maxTokens: 80 });
    assert.equal(result.finishReason, 'eos');
    assert.ok(result.text.startsWith(free.text.slice(0, at)), 'the same text up to the trigger');
    assert.match(result.text.slice(at), /^girl said[a-z ]{1,12}\.$/);
  });

  it('one grammar serves concurrent sequences, each with its own position in it', async () => {
    const context = await model.createContext({ contextSize: 256, sequences: 2 });
    try {
      const list = Grammar.gbnf(texts.list);
      const json = Grammar.gbnf(texts.json);
      const alone = [
        await context.complete('Once upon a time', { grammar: list, maxTokens: 40 }),
        await context.complete('The list:', { grammar: json, maxTokens: 40 }),
      ];
      const together = await Promise.all([
        context.complete('Once upon a time', { grammar: list, maxTokens: 40 }),
        context.complete('The list:', { grammar: json, maxTokens: 40 }),
      ]);
      assert.deepEqual(
        together.map((r) => r.tokens),
        alone.map((r) => r.tokens),
      );
    } finally {
      await context.dispose();
    }
  });

  it('a grammar whose tokens are not one token of this vocabulary fails with INVALID_GRAMMAR', async () => {
    await assert.rejects(
      model.complete('x', { grammar: Grammar.gbnf('root ::= <not-a-token>') }),
      (e) => e.code === 'INVALID_GRAMMAR' && /not one token/.test(e.message),
    );
    await assert.rejects(model.complete('x', { grammar: 'root ::= "a"' }), (e) => e.code === 'INVALID_ARGUMENT' && /must be a Grammar/.test(e.message));
  });
});
