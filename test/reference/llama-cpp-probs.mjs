// Greedy generation with per-step top-k probabilities from node-llama-cpp 3.21.1,
// in a child process. Usage: node llama-cpp-probs.mjs '<json>' -> one JSON line.
//   request: { model, prompt: string, maxTokens, topK, contextSize }
//   response: { promptTokens, steps: [{ token, top: [[id, probability], ...] }] }
import { getLlama } from 'node-llama-cpp';

const request = JSON.parse(process.argv[2]);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: request.model, gpuLayers: 0 });
const context = await model.createContext({ contextSize: request.contextSize ?? 256, threads: 1 });
const sequence = context.getSequence();
const promptTokens = [...(model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : []), ...model.tokenize(request.prompt)];
const steps = [];
for await (const out of sequence.evaluateWithMetadata(promptTokens, { probabilities: true }, { temperature: 0 })) {
  steps.push({ token: out.token, top: [...out.probabilities.entries()].slice(0, request.topK ?? 5) });
  if (steps.length >= request.maxTokens) break;
}
process.stdout.write(JSON.stringify({ promptTokens, steps }) + '\n');
await context.dispose();
await model.dispose();
await llama.dispose();
