import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: ESM first, CJS for require(), declarations for both.
    entry: { index: 'src/index.ts', 'service/index': 'src/service/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    external: ['rxjs'],
    // The service finds the built dashboard next to itself: import.meta.url in the CJS build too.
    shims: true,
  },
  {
    // The `rxjs-fair` bin: ESM only, never imported by library users.
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    external: ['rxjs', 'commander', 'cli-progress'],
    banner: { js: '#!/usr/bin/env node' },
  },
]);
