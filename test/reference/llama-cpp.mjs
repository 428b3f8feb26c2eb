// Produces reference outputs with node-llama-cpp 3.21.1 (llama.cpp's prebuilt
// CPU binary). Runs in its own process so the two ggml copies never share one.
// Usage: node llama-cpp.mjs '<json request>'  ->  prints one JSON line.
//   { "model": path, "contextSize": n, "greedy": [{ "prompt": string | number[], "maxTokens": n }], "tokenize": [string],
//     "sampled": [{ "prompt", "maxTokens", "options": evaluate options, "penalties"?: { lastN, penalty, frequencyPenalty,
//                   presencePenalty }, "tokenBias"?: [[id, bias]] }],
//     "constrained": [{ "prompt", "maxTokens", "grammar": GBNF text, "options"?: evaluate options }] }
// A constrained run ends after the first end-of-generation token (included) or maxTokens.
// Penalties look at the prompt and the generated tokens, as llama.cpp's CLI and server feed them.
import { getLlama, LlamaGrammarEvaluationState, TokenBias } from 'node-llama-cpp';

const request = JSON.parse(process.argv[2]);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: request.model, gpuLayers: 0 });
const context = await model.createContext({ contextSize: request.contextSize ?? 256, sequences: 1, threads: 1 });
const sequence = context.getSequence();

// A string prompt gets BOS when the vocabulary asks for it, as LlamaCompletion does.
const promptTokens = (prompt) =>
  typeof prompt === 'string'
    ? [...(model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos] : []), ...model.tokenize(prompt)]
    : prompt;

const out = { tokenize: [], greedy: [] };
for (const text of request.tokenize ?? []) out.tokenize.push(Array.from(model.tokenize(text)));

for (const { prompt, maxTokens } of request.greedy ?? []) {
  await sequence.clearHistory();
  const input = promptTokens(prompt);
  const tokens = [];
  // evaluate() yields every sampled token and does not stop at EOS (ignoreEos semantics).
  for await (const token of sequence.evaluate(input, { temperature: 0 })) {
    tokens.push(token);
    if (tokens.length >= maxTokens) break;
  }
  // The continuation as llama.cpp detokenizes the whole sequence (so a leading space is kept).
  const continuation = model.detokenize([...input, ...tokens]).slice(model.detokenize(input).length);
  out.greedy.push({ promptTokens: input, tokens, text: continuation, tokensText: model.detokenize(tokens) });
}

out.sampled = [];
for (const { prompt, maxTokens, options = {}, penalties, tokenBias } of request.sampled ?? []) {
  await sequence.clearHistory();
  const input = promptTokens(prompt);
  const history = [...input];
  const evaluateOptions = { ...options };
  if (penalties) {
    const { lastN, ...rest } = penalties;
    evaluateOptions.repeatPenalty = { punishTokens: () => history.slice(-lastN), maxPunishTokens: lastN, ...rest };
  }
  if (tokenBias) {
    const bias = new TokenBias(model.tokenizer);
    for (const [id, logit] of tokenBias) bias.set(id, { logit });
    evaluateOptions.tokenBias = bias;
  }
  const tokens = [];
  for await (const token of sequence.evaluate(input, { ...evaluateOptions, yieldEogToken: true })) {
    history.push(token);
    tokens.push(token);
    if (tokens.length >= maxTokens) break;
  }
  out.sampled.push(tokens);
}

out.constrained = [];
for (const { prompt, maxTokens, grammar, options = {} } of request.constrained ?? []) {
  await sequence.clearHistory();
  const state = new LlamaGrammarEvaluationState({ model, grammar: await llama.createGrammar({ grammar }) });
  const tokens = [];
  for await (const token of sequence.evaluate(promptTokens(prompt), { temperature: 0, ...options, grammarEvaluationState: state, yieldEogToken: true })) {
    tokens.push(token);
    if (model.isEogToken(token) || tokens.length >= maxTokens) break;
  }
  out.constrained.push(tokens);
}

process.stdout.write(JSON.stringify(out) + '\n');
await context.dispose();
await model.dispose();
await llama.dispose();
