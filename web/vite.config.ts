import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The in-browser demo (`npm run demo:web`, `npm run build:web`). The page imports the library from `../src`, as
 * TypeScript, so it shows the code of this checkout; the library's own build (tsup) is separate.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the built page works from any folder or static host.
  base: './',
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
