// The arrows of src/ (see ARCHITECTURE.md), checked by `npm run lint:arrows` and in the test suite.
// Type-only imports count: a cycle of types is still a cycle in the design.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', comment: 'No import cycle in src/.', from: {}, to: { circular: true } },
    {
      name: 'addon-only-from-native',
      severity: 'error',
      comment: 'Only src/native/ loads the addon; everything else calls src/native/addon.ts.',
      from: { path: '^src/', pathNot: '^src/native/' },
      to: { path: '^src/native/load-addon\\.ts$' },
    },
    {
      name: 'contract-is-a-leaf',
      severity: 'error',
      comment: 'The addon contract imports nothing from the library.',
      from: { path: '^src/native/contract\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'gguf-without-addon',
      severity: 'error',
      comment: 'src/gguf/ reads and writes files with no addon at all.',
      from: { path: '^src/gguf/' },
      to: { path: '^src/native/' },
    },
    {
      name: 'features-above-context',
      severity: 'error',
      comment: 'Features take an Evaluator; only the public faces (model, index) import the context.',
      from: { path: '^src/', pathNot: '^src/(model|index)\\.ts$' },
      to: { path: '^src/context\\.ts$' },
    },
    {
      name: 'leaves-stay-leaves',
      severity: 'error',
      comment: 'evaluator.ts and prompt.ts are what features share: they import only types, errors and the tokenizer.',
      from: { path: '^src/(evaluator|prompt)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(errors\\.ts|native/contract\\.ts|tokenizer/)' },
    },
    {
      name: 'testing-off-the-runtime-path',
      severity: 'error',
      comment: 'The fixture synthesizer (fathom-llm/testing) is never imported by the library itself.',
      from: { path: '^src/', pathNot: '^src/testing/' },
      to: { path: '^src/testing/' },
    },
    {
      name: 'server-on-the-public-api',
      severity: 'error',
      comment: 'The HTTP server (fathom-llm/server) uses the library as an app would: through index.ts (and the options checker).',
      from: { path: '^src/server/' },
      to: { path: '^src/', pathNot: '^src/(server/|index\\.ts$|options\\.ts$)' },
    },
    {
      name: 'cli-on-top',
      severity: 'error',
      comment: 'Nothing in the library imports the CLI.',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
