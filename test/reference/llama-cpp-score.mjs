// Per-token log-probabilities from node-llama-cpp 3.21.1 (llama.cpp's full
// next-token distribution after every input token), in a child process.
// Usage: node llama-cpp-score.mjs '{ "model": path, "contextSize": n, "texts": [number[]] }'
// -> one JSON line: for each token list, logprobs[i] = ln P(tokens[i + 1] | tokens[0..i]).
import { getLlama } from 'node-llama-cpp';

const request = JSON.parse(process.argv[2]);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: request.model, gpuLayers: 0 });
const context = await model.createContext({ contextSize: request.contextSize ?? 256, sequences: 1, threads: 1 });
const sequence = context.getSequence();

const out = [];
for (const tokens of request.texts) {
  await sequence.clearHistory();
  const input = tokens.map((token) => [token, { generateNext: { probabilities: true, options: { temperature: 0 } } }]);
  const results = await sequence.controlledEvaluate(input);
  out.push(tokens.slice(1).map((next, i) => Math.log(results[i].next.probabilities.get(next) ?? 0)));
}
process.stdout.write(JSON.stringify(out) + '\n');
await context.dispose();
await model.dispose();
await llama.dispose();
