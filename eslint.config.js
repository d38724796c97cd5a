// ESLint flat config: recommended JavaScript and TypeScript rules, no type-aware rules (fast, no tsconfig needed).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries([
  'process', 'console', 'Buffer', 'URL', 'URLSearchParams', 'setTimeout', 'clearTimeout', 'setInterval',
  'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone', 'fetch', 'performance',
  'AbortController', 'TextEncoder', 'TextDecoder', 'global', 'globalThis',
].map((name) => [name, 'readonly']));

const browserGlobals = Object.fromEntries([
  'window', 'document', 'location', 'navigator', 'WebSocket', 'localStorage', 'sessionStorage', 'HTMLElement',
  'requestAnimationFrame', 'cancelAnimationFrame', 'Event', 'CustomEvent', 'fetch', 'URL', 'URLSearchParams',
  'console', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance',
].map((name) => [name, 'readonly']));

export default defineConfig(
  {
    ignores: [
      'dist/**', 'node_modules/**', 'bench-results/**', 'coverage/**', 'test-artifacts/**', 'data/**', '.tmp/**',
      'src/web/dist/**', 'public/**', '**/*.min.js',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: nodeGlobals },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/web/**'],
    languageOptions: { globals: { ...browserGlobals } },
  },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
