// Tokenizers equal llama.cpp's: (1) llama.cpp's own test vectors for every vocab
// in the node-llama-cpp bundle that has them, under its test's flags; (2) strings
// of our own on every bundled vocab file, against node-llama-cpp run in a child
// process — tokenization with and without special-token parsing, and detokenization.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { loadModel, loadTokenizer } from '../../dist/index.js';
import { TextStream } from '../../dist/testing.js';
import { bundleFile } from '../helpers/bundle.mjs';
import { ROOT, scratchDir } from '../helpers/fixtures.mjs';

const WITH_VECTORS = [
  'bert-bge',
  'command-r',
  'deepseek-coder',
  'deepseek-llm',
  'falcon',
  'gemma-4',
  'gpt-2',
  'llama-bpe',
  'llama-spm',
  'mpt',
  'phi-3',
  'qwen2',
  'qwen35',
  'refact',
  'starcoder',
];
const ALL = [...WITH_VECTORS, 'aquila', 'baichuan', 'gpt-neox', 'nomic-bert-moe'].sort();
const SEPARATOR = '\n__ggml_vocab_test__\n';

/** llama.cpp's test-tokenizer-0 format: inputs split by a separator line, one line of ids per input. */
function readVectors(inp, out) {
  const raw = readFileSync(inp, 'utf8');
  const inputs = [];
  for (let pos = 0; pos < raw.length;) {
    const next = raw.indexOf(SEPARATOR, pos);
    if (next === -1) {
      inputs.push(raw.slice(pos));
      break;
    }
    inputs.push(raw.slice(pos, next));
    pos = next + SEPARATOR.length;
  }
  const lines = readFileSync(out, 'utf8').split('\n');
  return inputs.map((text, i) => ({ text, ids: lines[i].trim() === '' ? [] : lines[i].trim().split(' ').map(Number) }));
}

// Strings written for this test: whitespace runs, CJK, emoji sequences, digits, code,
// accents and combining marks, special-token text, unusual spaces and controls.
const OWN_STRINGS = [
  'Hello world',
  ' Hello world',
  'Hello  world',
  '   leading and trailing   ',
  '\t\ttabs\tand\nnew\nlines\r\n\r\n',
  '\n\n\n',
  ' \n \n ',
  '   ',
  '',
  'a',
  ' a',
  'a ',
  '\u00a0nbsp\u0085nel\ufeffbom\u200bzwsp\u2028ls\u3000ideographic',
  '12 123 1234 12345 1234567890 3.14159 -42 1e10 0x1F 1,000,000',
  '٣٤٥ ١٢ ²³ ½ Ⅻ',
  "I'll, you've, he's, we're, they'd, I'm; THEY'RE I'LL it's",
  "don't 'quoted' ''double''",
  '日本語のテキスト、中文文本。한국어 텍스트',
  '漢字かなカナ交じり文',
  'Ünïcödé àccents naïve café Åström œuvre',
  'e\u0301 a\u0308 n\u0303 (combining marks)',
  'ﬁ ligature ＡＢＣ fullwidth ｶﾀｶﾅ halfwidth',
  'ǅ ǈ ΐ Ω K Å ẞ ß İ ı',
  'emoji 🦙👩‍👩‍👧‍👦 🇫🇷🇯🇵 👍🏽 ❤️ 🏳️‍🌈 1️⃣',
  '😀😀😀😀😀😀😀😀',
  'def f(x):\n    return {"k": [x**2, x // 3]}  # comment\n',
  'for (int i = 0; i < n; ++i) { a[i] += b[i] >> 2; }',
  '<html><body class="x">&amp; &lt;tag&gt;</body></html>',
  'https://example.com/path?q=1&r=two#frag',
  '<s>hello</s>',
  '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n',
  '[CLS] masked [MASK] text [SEP]',
  '<|endoftext|><|endoftext|>',
  '<|eot_id|> <start_of_turn>model <end_of_turn>',
  '<unk> <pad> <mask>',
  'Привет мир! Γειά σου κόσμε. مرحبا بالعالم. שלום עולם. नमस्ते दुनिया',
  'ไทย ພາສາລາວ ខ្មែរ',
  '!!!???...,,,;;;:::---___===+++***&&&%%%$$$###@@@',
  '     \t     \n     ',
  'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  'Ⓐⓑⓒ ①②③ ⅰⅱⅲ ™®© ¶§',
  '\u0000nul\u0001soh\u007fdel',
  'lone surrogate \ud800 end',
];

describe('llama.cpp test vectors from the bundle (add_special = false, parse_special = false)', () => {
  for (const name of WITH_VECTORS) {
    it(`${name}: every vector`, async () => {
      const base = `models/ggml-vocab-${name}.gguf`;
      const tokenizer = await loadTokenizer(await bundleFile(base));
      const vectors = readVectors(await bundleFile(`${base}.inp`), await bundleFile(`${base}.out`));
      assert.ok(vectors.length >= 40, `read ${vectors.length} vectors`);
      const failures = vectors
        .map(({ text, ids }) => ({ text, ids, got: tokenizer.tokenize(text, { addBos: false, addEos: false }) }))
        .filter(({ ids, got }) => JSON.stringify(ids) !== JSON.stringify(got));
      assert.deepEqual(failures, []);
    });
  }
});

describe('every bundled vocab equals node-llama-cpp on strings of our own', () => {
  let reference;
  const paths = {};
  before(async () => {
    for (const name of ALL) paths[name] = await bundleFile(`models/ggml-vocab-${name}.gguf`);
    const request = path.join(scratchDir(), 'request.json');
    writeFileSync(request, JSON.stringify({ vocabs: Object.values(paths), texts: OWN_STRINGS }));
    const script = path.join(ROOT, 'test', 'reference', 'llama-cpp-vocab.mjs');
    const { stdout } = await promisify(execFile)(process.execPath, [script, request], { maxBuffer: 1 << 28 });
    reference = JSON.parse(stdout.trim().split('\n').pop());
  });

  for (const name of ALL) {
    it(`${name}: tokenize (plain and special) and detokenize`, async () => {
      const ref = reference[paths[name]];
      assert.equal(ref.error, undefined, `node-llama-cpp could not load ${name}: ${ref.error}`);
      const tokenizer = await loadTokenizer(paths[name]);
      OWN_STRINGS.forEach((text, i) => {
        const label = `${name} ${JSON.stringify(text)}`;
        assert.deepEqual(tokenizer.tokenize(text, { addBos: false, addEos: false }), ref.plain[i], `plain ${label}`);
        assert.deepEqual(tokenizer.tokenize(text, { addBos: false, addEos: false, special: true }), ref.special[i], `special ${label}`);
        assert.equal(tokenizer.detokenize(ref.plain[i]), ref.text[i], `detokenize ${label}`);
        assert.equal(tokenizer.detokenize(ref.special[i], { special: true }), ref.textSpecial[i], `detokenize special ${label}`);
      });
    });
  }
});

describe('tokenizer behaviour', () => {
  it('streaming the pieces of any tokenization emits each character exactly once', async () => {
    for (const name of ['llama-spm', 'llama-bpe', 'gemma-4']) {
      const tokenizer = await loadTokenizer(await bundleFile(`models/ggml-vocab-${name}.gguf`));
      for (const text of OWN_STRINGS.filter((s) => !s.includes('\ud800'))) {
        const tokens = tokenizer.tokenize(text, { addBos: false, addEos: false });
        const stream = new TextStream([]);
        let streamed = '';
        for (const t of tokens) {
          const { text: chunk } = stream.push(tokenizer.piece(t));
          assert.ok(!chunk.includes('\ufffd') || text.includes('\ufffd'), `${name}: half a character emitted for ${JSON.stringify(text)}`);
          streamed += chunk;
        }
        streamed += stream.flush();
        const whole = tokens
          .map((t) => Buffer.from(tokenizer.piece(t)))
          .reduce((a, b) => Buffer.concat([a, b]), Buffer.alloc(0))
          .toString('utf8');
        assert.equal(streamed, whole, `${name} ${JSON.stringify(text)}`);
      }
    }
  });

  it('special: true parses control-token text into single ids; false keeps it as text', async () => {
    const tokenizer = await loadTokenizer(await bundleFile('models/ggml-vocab-qwen2.gguf'));
    const imStart = tokenizer.vocabulary.ids.get('<|im_start|>');
    assert.ok(tokenizer.tokenize('<|im_start|>user', { special: true }).includes(imStart));
    assert.ok(!tokenizer.tokenize('<|im_start|>user', { special: false }).includes(imStart));
  });

  it('end-of-generation tokens include those llama.cpp recognises by name', async () => {
    const tokenizer = await loadTokenizer(await bundleFile('models/ggml-vocab-qwen2.gguf'));
    for (const text of ['<|endoftext|>', '<|im_end|>']) assert.ok(tokenizer.isEog(tokenizer.vocabulary.ids.get(text)), text);
  });

  it('loadModel with vocabOnly reads no weights and tokenizes like loadTokenizer', async () => {
    const file = await bundleFile('models/ggml-vocab-llama-bpe.gguf');
    const model = await loadModel(file, { vocabOnly: true });
    const tokenizer = await loadTokenizer(file);
    assert.deepEqual(model.tokenize('Hello world'), tokenizer.tokenize('Hello world'));
    assert.equal(model.tokenize('Hello world')[0], model.vocabulary.bos);
    await assert.rejects(model.complete('hello'), (e) => e.code === 'INVALID_ARGUMENT' && /vocabOnly/.test(e.message));
    await model.dispose();
  });

  it('an unknown pre-tokenizer is a clear UNSUPPORTED_ARCHITECTURE error', async () => {
    const { Tokenizer, inspectGguf } = await import('../../dist/index.js');
    const info = await inspectGguf(await bundleFile('models/ggml-vocab-gpt-2.gguf'));
    info.metadata['tokenizer.ggml.pre'] = 'no-such-pre';
    assert.throws(
      () => new Tokenizer(info),
      (e) => e.code === 'UNSUPPORTED_ARCHITECTURE' && /no-such-pre/.test(e.message),
    );
    info.metadata['tokenizer.ggml.model'] = 'rwkv-nope';
    assert.throws(
      () => new Tokenizer(info),
      (e) => e.code === 'UNSUPPORTED_ARCHITECTURE' && /rwkv-nope/.test(e.message),
    );
  });
});
