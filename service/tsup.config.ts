import { defineConfig } from 'tsup';

// Dependencies (rxjs-fair, rxjs, amqplib, fastify...) stay imports: tsup leaves out what package.json lists.
export default defineConfig([
  {
    // ESM: the API and the `rxjs-fair-service` bin share chunks; the bin's `#!` line comes from src/cli.ts.
    entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts' } },
    splitting: true,
    clean: true,
    target: 'node20',
    platform: 'node',
  },
  {
    // CJS, for require(): the API only; `import.meta.url` (where the built dashboard is) shimmed from __filename.
    entry: { index: 'src/index.ts' },
    format: ['cjs'],
    shims: true,
    dts: { entry: { index: 'src/index.ts' } },
    target: 'node20',
    platform: 'node',
  },
]);
