/**
 * Global setup of the unit tests: the tests that load the built library (both builds, the bin) find dist/ up to date.
 * `npm test` builds first, so this costs nothing there; under `vitest` alone it rebuilds a dist older than a source.
 * Once, before any test file runs: two test files building at once would clean each other's output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outputs = ['index.js', 'index.cjs', 'cli.js'].map((file) => join(root, 'dist', file));

/** Newest modification time of the files the builds are made from. */
function newestSource(): number {
  const walk = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
        const path = join(dir, entry.name);
        return entry.isDirectory() ? walk(path) : statSync(path).mtimeMs;
      }),
    );
  return Math.max(
    walk(join(root, 'src')),
    ...['tsup.config.ts', 'package.json'].map((file) => statSync(join(root, file)).mtimeMs),
  );
}

export default function setup(): void {
  const built = Math.min(...outputs.map((file) => (existsSync(file) ? statSync(file).mtimeMs : 0)));
  if (built < newestSource()) {
    execFileSync(join(root, 'node_modules', '.bin', 'tsup'), ['--silent'], {
      cwd: root,
      stdio: 'pipe',
      timeout: 120_000,
    });
  }
}
