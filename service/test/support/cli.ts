// Runs the service's CLI (`rxjs-fair serve | produce`) from source in a child process, for the tests that need a
// process of its own (the CLI's, and those that kill a scheduler).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/** A CLI process: what it printed so far, and its exit code once it exits. */
export interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Both, as they came, each line stamped with the seconds since `stampFrom` (see `start`). */
  output: string;
  readonly exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];

/** Kills what `start` started and is still running and removes what `tempDir` made: call it in `afterEach`. */
export function cleanUp(): void {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts the CLI with `args` in service/, without RXJS_FAIR_TOKEN unless `env` gives it. `stampFrom` (ms since the
 * epoch) is where the stamps of `output` count from: a test's start, to read it beside the test's own timeline.
 */
export function start(args: string[], env: Record<string, string> = {}, stampFrom = Date.now()): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    env: { ...process.env, RXJS_FAIR_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const run: Run = {
    child,
    stdout: '',
    stderr: '',
    output: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  const stamped = (text: string) => {
    const at = `[${((Date.now() - stampFrom) / 1000).toFixed(2)} s] `;
    run.output += text
      .split(/(?<=\n)/)
      .map((line) => at + line)
      .join('');
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    run.stdout += chunk.toString();
    stamped(chunk.toString());
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    run.stderr += chunk.toString();
    stamped(chunk.toString());
  });
  return run;
}

/** Resolves with the first match of `pattern` in what `run` prints; rejects, with its output, if it exits first. */
export function printed(run: Run, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const look = () => {
      const match = pattern.exec(run.stdout) ?? pattern.exec(run.stderr);
      if (match === null) return false;
      resolve(match);
      return true;
    };
    if (look()) return;
    const onData = () => {
      if (look()) stop();
    };
    const stop = () => {
      run.child.stdout?.off('data', onData);
      run.child.stderr?.off('data', onData);
    };
    run.child.stdout?.on('data', onData);
    run.child.stderr?.on('data', onData);
    void run.exited.then((code) => {
      stop();
      if (!look()) reject(new Error(`exited (${code}) before it printed ${pattern}:\n${run.output}`));
    });
  });
}

/** The exit code of `run`; fails with what it printed when it is still running after `timeoutMs`. */
export async function finish(run: Run, timeoutMs = 30_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`still running after ${timeoutMs} ms: ${run.stdout}${run.stderr}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([run.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh temporary folder, removed by `cleanUp`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-fair-test-'));
  dirs.push(dir);
  return dir;
}

/** A local port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
