import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  // @internal members (what features and the scheduler reach) stay out of the public types.
  dts: { entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' }, compilerOptions: { stripInternal: true } },
  shims: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
