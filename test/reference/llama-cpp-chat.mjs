// Renders chat templates with node-llama-cpp 3.21.1's JinjaTemplateChatWrapper.
// Usage: node llama-cpp-chat.mjs '{ "vocab": path, "cases": [{ "template": string, "messages": [{ role, content }] }] }'
// -> one JSON line: the rendered text of each case, up to the assistant's turn
// (control tokens written as their text).
import { getLlama, JinjaTemplateChatWrapper, SpecialToken } from 'node-llama-cpp';

const request = JSON.parse(process.argv[2]);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: request.vocab, vocabOnly: true });
const special = { BOS: model.tokens.bosString, EOS: model.tokens.eosString, EOT: model.tokens.eotString };
const TYPES = { system: 'system', user: 'user' };

const out = [];
for (const { template, messages } of request.cases) {
  const wrapper = new JinjaTemplateChatWrapper({ template, tokenizer: model.tokenizer });
  const chatHistory = [
    ...messages.map((m) => (m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: TYPES[m.role], text: m.content })),
    { type: 'model', response: [] },
  ];
  const { contextText } = wrapper.generateContextState({ chatHistory });
  out.push(contextText.values.map((v) => (typeof v === 'string' ? v : v instanceof SpecialToken ? (special[v.value] ?? '') : v.value)).join(''));
}
process.stdout.write(JSON.stringify(out) + '\n');
await model.dispose();
await llama.dispose();
