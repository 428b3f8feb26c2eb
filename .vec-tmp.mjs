import { readFileSync } from 'node:fs';
import { loadTokenizer } from './dist/internal.js';
import { bundleFile } from './test/helpers/bundle.mjs';
const SEP = '\n__ggml_vocab_test__\n';
const names = process.argv.slice(2).length ? process.argv.slice(2) : ['bert-bge','command-r','deepseek-coder','deepseek-llm','falcon','gemma-4','gpt-2','llama-bpe','llama-spm','mpt','phi-3','qwen2','qwen35','refact','starcoder'];
for (const name of names) {
  const base = `models/ggml-vocab-${name}.gguf`;
  let tok;
  try { tok = await loadTokenizer(await bundleFile(base)); } catch (e) { console.log(name, 'LOAD FAIL', e.message); continue; }
  const raw = readFileSync(await bundleFile(base + '.inp'), 'utf8');
  const inputs = []; for (let pos = 0; pos < raw.length;) { const nx = raw.indexOf(SEP, pos); if (nx === -1) { inputs.push(raw.slice(pos)); break; } inputs.push(raw.slice(pos, nx)); pos = nx + SEP.length; }
  const outs = readFileSync(await bundleFile(base + '.out'), 'utf8').split('\n');
  let fail = 0; const examples = [];
  inputs.forEach((text, i) => {
    const want = outs[i].trim() === '' ? [] : outs[i].trim().split(' ').map(Number);
    let got; try { got = tok.tokenize(text, { addBos: false, addEos: false }); } catch (e) { got = ['ERR ' + e.message]; }
    if (JSON.stringify(got) !== JSON.stringify(want)) { fail++; if (examples.length < 3) examples.push({ text, want: want.slice(0, 20), got: got.slice(0, 20) }); }
  });
  console.log(name.padEnd(16), `${inputs.length - fail}/${inputs.length}`, fail ? JSON.stringify(examples) : '');
}
