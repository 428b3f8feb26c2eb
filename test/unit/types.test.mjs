// The public types as a TypeScript user meets them: they compile on the ES2022 library, which
// lacks Symbol.asyncDispose (the package declares it), readonly arrays are accepted, and
// @internal members are not there to autocomplete.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { ROOT, scratchDir } from '../helpers/fixtures.mjs';

const CONSUMER = `import { Grammar, loadModel, tool, type ChatMessage, type GenerateOptions } from ${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))};
import * as z from ${JSON.stringify(path.join(ROOT, 'node_modules', 'zod', 'index.js'))};
export async function main(file: string, texts: string | string[]): Promise<number> {
  const model = await loadModel(file);
  const options: GenerateOptions = { stop: ['.', '!'] as const, dry: { multiplier: 0.8, sequenceBreakers: ['\\n'] as const } };
  const reply = await model.complete('Once', options);
  const history: ChatMessage[] = [{ role: 'user', content: 'Hi' }, { role: 'tool', content: '{}' }];
  const vectors = await model.embed(texts);
  let finish = '';
  for await (const chunk of model.generate('Once', { maxTokens: 4 })) finish = chunk.finishReason ?? finish;
  // @ts-expect-error the scheduler behind a context is internal
  void model.context.evaluator;
  // @ts-expect-error a ControlVector's native form is internal
  void model.deriveControlVector.resolve;
  // A JSON grammar types result.json: from a Zod schema, from the type argument, or as any JSON value.
  const person = await model.complete('A person: ', { grammar: Grammar.jsonSchema(z.object({ name: z.string(), age: z.number().int() })) });
  const age: number = person.json.age;
  const typed = await model.complete('x', { grammar: Grammar.jsonSchema<{ id: string }>({ type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }) });
  const id: string = typed.json.id;
  const any = await model.complete('x', { grammar: Grammar.json() });
  // @ts-expect-error any JSON value is not known to be a string
  const text: string = any.json;
  // @ts-expect-error a result without a JSON grammar has no json
  void reply.json;
  const chat = model.createChat();
  const answer = await chat.send('A person?', { grammar: Grammar.jsonSchema(z.object({ name: z.string() })) });
  const name: string = answer.json.name;
  // @ts-expect-error a chat reply without a JSON grammar has no json
  void (await chat.send('Hi')).json;
  // A tool with a Zod schema types its handler's arguments; events are told apart by their type.
  const weather = tool({ parameters: z.object({ city: z.string(), days: z.number() }), handler: ({ city, days }) => city.repeat(days) });
  // @ts-expect-error the arguments have the schema's type
  tool({ parameters: z.object({ city: z.string() }), handler: ({ city }: { city: number }) => city });
  const agent = model.createChat({ tools: { weather, plain: { parameters: { type: 'object' } } }, toolChoice: { name: 'weather' } });
  let calls = 0;
  for await (const event of agent.stream('Rain?')) if (event.type === 'toolCall') calls += event.call.name.length;
  const parsed = model.parseAssistantMessage('<tool_call>{}</tool_call>', { partial: true });
  await model[Symbol.asyncDispose]();
  return calls + parsed.toolCalls.length + age + id.length + name.length + text.length + reply.text.length + history.length + (Array.isArray(vectors) ? vectors.length : 1) + finish.length;
}
`;

describe('public types', () => {
  // Node 20 projects with @types/node, and ones with only the DOM library (an Electron renderer).
  for (const [label, lib, types] of [
    ['lib es2022 with @types/node', ['es2022'], ['node']],
    ['lib es2022 and dom, no @types/node', ['es2022', 'dom'], []],
  ]) {
    it(`compile under tsc --strict with ${label}; readonly arrays fit; @internal members are hidden`, () => {
      const dir = scratchDir('fathom-types-');
      writeFileSync(path.join(dir, 'consumer.ts'), CONSUMER);
      const compilerOptions = {
        noEmit: true,
        strict: true,
        target: 'es2022',
        lib,
        module: 'nodenext',
        moduleResolution: 'nodenext',
        types,
        typeRoots: [path.join(ROOT, 'node_modules', '@types')],
      };
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
      const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    });
  }
});
