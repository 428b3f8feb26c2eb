// Embeddings from node-llama-cpp 3.21.1 (llama.cpp's embedding context: the model's
// pooling, or the last token's when it has none), in a child process.
// Usage: node llama-cpp-embed.mjs '{ "model": path, "contextSize": n, "inputs": [number[]] }' -> one JSON line of vectors.
import { getLlama } from 'node-llama-cpp';

const request = JSON.parse(process.argv[2]);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: request.model, gpuLayers: 0 });
const context = await model.createEmbeddingContext({ contextSize: request.contextSize ?? 256, threads: 1 });
const out = [];
for (const tokens of request.inputs) out.push([...(await context.getEmbeddingFor(tokens)).vector]);
process.stdout.write(JSON.stringify(out) + '\n');
await context.dispose();
await model.dispose();
await llama.dispose();
