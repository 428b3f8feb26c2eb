import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/index.ts', testing: 'src/testing/index.ts', server: 'src/server/index.ts' },
  format: ['esm', 'cjs'],
  // @internal members (what features and the scheduler reach) stay out of the public types.
  dts: { entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', server: 'src/server/index.ts' }, compilerOptions: { stripInternal: true } },
  // One copy of the library per format, shared by the entries (fathom-llm/server's Model is the Model).
  splitting: true,
  shims: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
