// Reference tokenizations from node-llama-cpp 3.21.1 for vocab-only GGUF files,
// in a child process. Usage: node llama-cpp-vocab.mjs <request.json> -> one JSON line.
//   request: { "vocabs": [path], "texts": [string] }
//   response: { [path]: { error } | { plain: number[][], special: number[][], text: string[], textSpecial: string[] } }
//   plain/special: tokenize(text) without BOS/EOS, control-token text parsed or not;
//   text/textSpecial: detokenize(plain[i]) and detokenize(special[i], true).
import { readFileSync } from 'node:fs';

import { getLlama } from 'node-llama-cpp';

const request = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const out = {};
for (const path of request.vocabs) {
  try {
    const model = await llama.loadModel({ modelPath: path, vocabOnly: true });
    const plain = request.texts.map((t) => Array.from(model.tokenize(t, false)));
    const special = request.texts.map((t) => Array.from(model.tokenize(t, true)));
    out[path] = {
      plain,
      special,
      text: plain.map((tokens) => model.detokenize(tokens)),
      textSpecial: special.map((tokens) => model.detokenize(tokens, true)),
    };
    await model.dispose();
  } catch (error) {
    out[path] = { error: String(error?.message ?? error) };
  }
}
process.stdout.write(JSON.stringify(out) + '\n');
await llama.dispose();
