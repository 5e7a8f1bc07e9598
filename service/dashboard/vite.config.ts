import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The service's dashboard (dashboard/): a static page built into dist/dashboard/ by `npm run build`, which
 * `rxjs-fair-service serve --http` serves at `/` (read from disk at start; no Vite at run time). Plain TypeScript and CSS,
 * no framework: a few KB.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Relative asset URLs: the page works behind a reverse proxy under any path.
  base: './',
  clearScreen: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // Everything in the page's own files, never inline: the service's Content-Security-Policy forbids inline code.
    assetsInlineLimit: 0,
    modulePreload: false,
  },
});
