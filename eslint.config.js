// ESLint: the recommended rules for JavaScript, and typescript-eslint's for src/.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'build/', 'deps/', 'prebuilds/', 'node_modules/'] },
  js.configs.recommended,
  { files: ['**/*.ts'], extends: [tseslint.configs.recommended] },
  { files: ['**/*.mjs', '**/*.js', '**/*.cjs'], languageOptions: { globals: { ...globals.node } } },
);
