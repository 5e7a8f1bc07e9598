// Lint: typescript-eslint's recommended rules, and the layers as import rules (see CONTRIBUTING.md, Layout).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Node's built-ins, with or without the `node:` prefix. */
const nodeBuiltins = {
  group: ['node:*'],
  message: 'Only the service and the bin know Node: the library bundles for the browser.',
};
const network = {
  group: ['amqplib', 'fastify', 'ajv', 'commander', 'cli-progress', 'prom-client'],
  message: 'Only the service knows networks and servers (service/).',
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/',
      '**/coverage/',
      '**/test-output/',
      'web/dist/',
      'docs/api/',
      '**/node_modules/',
      'bench/.lib/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_` marks what is deliberately unused (a destructured rest, a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // A `let` that a closure reads before its one assignment (a subscription that unsubscribes itself) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // The core: synchronous data structures, no RxJS, nothing of Node.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['rxjs', 'rxjs/*'], message: 'src/core knows nothing of RxJS.' }, nodeBuiltins, network],
        },
      ],
    },
  },
  {
    // The reactive layer and the package entry: RxJS and the core, nothing of Node.
    files: ['src/rx/**/*.ts', 'src/index.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeBuiltins, network] }] },
  },
  {
    // The bin and its demo run in Node, with no dependency of their own.
    files: ['src/cli.ts', 'src/demo/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [network] }] },
  },
  {
    // The service imports the library as a package, never its sources.
    files: ['service/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/src/core/*', '**/src/rx/*', '**/src/index*'], message: "Import 'rxjs-fair'." }] },
      ],
    },
  },
  {
    // Browser pages.
    files: ['web/**/*.ts', 'service/dashboard/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
