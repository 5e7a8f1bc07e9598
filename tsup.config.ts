import { defineConfig } from 'tsup';

// No source maps: dist is plain, readable ES2022 (nothing minified), and maps would more than double the package.
// The declarations are the public API: `_private` members and whatever is tagged `@internal` stay out of them.
const dts = { entry: { index: 'src/index.ts' }, compilerOptions: { stripInternal: true } };

export default defineConfig([
  {
    // ESM: the library and the `rxjs-fair` bin in one build, so the bin uses the library's own chunks instead of a
    // second copy. The bin's `#!` line comes from src/cli.ts.
    entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
    format: ['esm'],
    dts,
    splitting: true,
    clean: true,
    target: 'es2022',
    external: ['rxjs'],
  },
  {
    // CJS, for require(): the library only.
    entry: { index: 'src/index.ts' },
    format: ['cjs'],
    dts,
    target: 'es2022',
    external: ['rxjs'],
  },
]);
