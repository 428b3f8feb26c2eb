// npm run bench:tokenize — tokenizer throughput, fathom vs node-llama-cpp 3.21.1,
// on the same ~1 MB mixed text (English prose, source code, Chinese, emoji) and
// the same vocab files, runs alternating ours/theirs. Prints MB/s and the ratio.
// Options: --vocab NAME (repeatable; default: one vocab per tokenizer family), --runs N (default 5), --json.
import { parseArgs } from 'node:util';

import { getLlama } from 'node-llama-cpp';

import { loadTokenizer } from '../dist/index.js';
import { bundleFile } from '../test/helpers/bundle.mjs';
import { median } from './bench-runs.mjs';
import { PINNED, ensureBareClone } from './extract-ggml.mjs';
import { execFileSync } from 'node:child_process';

const { values } = parseArgs({
  options: { vocab: { type: 'string', multiple: true }, runs: { type: 'string', default: '5' }, json: { type: 'boolean' } },
});
const vocabs = values.vocab ?? ['llama-spm', 'llama-bpe', 'qwen2', 'gemma-4', 'bert-bge', 'nomic-bert-moe'];
const runs = Number(values.runs);

/** A seeded PRNG so the text is the same on every run and machine. */
function random(seed) {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** ~1 MB: English prose and C++ source from the llama.cpp bundle, Chinese made of common CJK characters, emoji. */
async function benchText() {
  const clone = await ensureBareClone();
  const show = (path) => execFileSync('git', ['--git-dir', clone, 'show', `${PINNED.commit}:${path}`], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const prose = ['README.md', 'docs/build.md', 'CONTRIBUTING.md', 'docs/function-calling.md'].map(show).join('\n\n');
  const code = ['src/llama-vocab.cpp', 'src/llama-model.cpp'].map(show).join('\n');
  const rand = random(42);
  const hanzi =
    '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严';
  let chinese = '';
  while (chinese.length < 100_000) {
    const n = 8 + Math.floor(rand() * 20);
    for (let i = 0; i < n; i++) chinese += hanzi[Math.floor(rand() * hanzi.length)];
    chinese += '，。！？、；：'[Math.floor(rand() * 7)];
    if (rand() < 0.1) chinese += '\n';
  }
  const emojiSet = ['🦙', '👩‍👩‍👧‍👦', '🇫🇷', '👍🏽', '😀', '🎉', '❤️', '🧑‍💻', '🌍', '✨', '🙏🏿', '🏳️‍🌈'];
  let emoji = '';
  while (emoji.length < 40_000) emoji += emojiSet[Math.floor(rand() * emojiSet.length)] + (rand() < 0.3 ? ' ' : '');
  const mix = `${prose}\n${code}\n${chinese}\n${emoji}\n`;
  let text = '';
  while (Buffer.byteLength(text) < 1_000_000) text += mix;
  return text.slice(0, 1_000_000);
}

const text = await benchText();
if (process.env.FATHOM_BENCH_TEXT_OUT) (await import('node:fs')).writeFileSync(process.env.FATHOM_BENCH_TEXT_OUT, text);
const megabytes = Buffer.byteLength(text) / 1e6;
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const results = [];
for (const name of vocabs) {
  const path = await bundleFile(`models/ggml-vocab-${name}.gguf`);
  const ours = await loadTokenizer(path);
  const theirs = await llama.loadModel({ modelPath: path, vocabOnly: true });
  const time = (fn) => {
    const t0 = performance.now();
    const tokens = fn();
    return { seconds: (performance.now() - t0) / 1000, count: tokens.length };
  };
  // Warm-up (JIT, caches), then alternate.
  time(() => ours.tokenize(text, { addBos: false, addEos: false }));
  time(() => theirs.tokenize(text));
  const oursRates = [];
  const theirRates = [];
  let counts;
  for (let i = 0; i < runs; i++) {
    const a = time(() => ours.tokenize(text, { addBos: false, addEos: false }));
    const b = time(() => theirs.tokenize(text));
    oursRates.push(megabytes / a.seconds);
    theirRates.push(megabytes / b.seconds);
    counts = [a.count, b.count];
  }
  await theirs.dispose();
  const row = { vocab: name, tokens: counts[0], sameTokenCount: counts[0] === counts[1], oursMBps: median(oursRates), theirsMBps: median(theirRates) };
  row.ratio = row.oursMBps / row.theirsMBps;
  results.push(row);
}
await llama.dispose();

if (values.json) console.log(JSON.stringify({ megabytes, runs, results }, null, 2));
else {
  console.log(`tokenizer throughput on ${megabytes.toFixed(2)} MB of mixed text, median of ${runs} alternating runs`);
  console.log('vocab            ours MB/s   node-llama-cpp MB/s   ours/theirs   tokens');
  for (const r of results) {
    console.log(
      `${r.vocab.padEnd(16)} ${r.oursMBps.toFixed(2).padStart(9)}   ${r.theirsMBps.toFixed(2).padStart(19)}   ${r.ratio.toFixed(2).padStart(11)}   ${r.tokens}${r.sameTokenCount ? '' : ' (counts differ!)'}`,
    );
  }
}
