import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadTokenizer } from './dist/internal.js';
import { bundleFile } from './test/helpers/bundle.mjs';
const names = ['aquila','baichuan','bert-bge','command-r','deepseek-coder','deepseek-llm','falcon','gemma-4','gpt-2','gpt-neox','llama-bpe','llama-spm','mpt','nomic-bert-moe','phi-3','qwen2','qwen35','refact','starcoder'];
const texts = JSON.parse(process.argv[2]);
const paths = await Promise.all(names.map((n) => bundleFile(`models/ggml-vocab-${n}.gguf`)));
writeFileSync('/tmp/vocab-req.json', JSON.stringify({ vocabs: paths, texts }));
const ref = JSON.parse(execFileSync(process.execPath, ['test/reference/llama-cpp-vocab.mjs', '/tmp/vocab-req.json'], { maxBuffer: 1 << 28 }).toString().trim().split('\n').pop());
for (const [i, name] of names.entries()) {
  const r = ref[paths[i]];
  if (r.error) { console.log(name, 'REF ERROR', r.error); continue; }
  let tok; try { tok = await loadTokenizer(paths[i]); } catch (e) { console.log(name, 'OUR LOAD FAIL', e.message); continue; }
  const bad = [];
  texts.forEach((t, j) => {
    const p = tok.tokenize(t, { addBos: false, addEos: false }), s = tok.tokenize(t, { addBos: false, addEos: false, special: true });
    if (JSON.stringify(p) !== JSON.stringify(r.plain[j])) bad.push(['plain', t, p.slice(-8), r.plain[j].slice(-8)]);
    if (JSON.stringify(s) !== JSON.stringify(r.special[j])) bad.push(['special', t, s.slice(0, 12), r.special[j].slice(0, 12)]);
    const d = tok.detokenize(r.plain[j]); if (d !== r.text[j]) bad.push(['detok', t, JSON.stringify(d).slice(0,80), JSON.stringify(r.text[j]).slice(0,80)]);
    const ds = tok.detokenize(r.special[j], { special: true }); if (ds !== r.textSpecial[j]) bad.push(['detokS', t, JSON.stringify(ds).slice(0,80), JSON.stringify(r.textSpecial[j]).slice(0,80)]);
  });
  console.log(name.padEnd(16), bad.length ? `${bad.length} mismatches: ${JSON.stringify(bad.slice(0, 3))}` : 'ok');
}
