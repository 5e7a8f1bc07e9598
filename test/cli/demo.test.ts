import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli.js');

function run(...args: string[]) {
  const { status, stdout, stderr } = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status, stdout, stderr };
}

/** A table row: host, events, then fair p50/p99/max and FIFO p50/p99/max. */
interface Row {
  readonly host: string;
  readonly noisy: boolean;
  readonly events: number;
  readonly fair: readonly number[];
  readonly fifo: readonly number[];
}

const ROW = /^(compute\d+)( \(noisy\))? +([\d,]+) \|(.*)\|(.*)$/;
const num = (text: string): number => Number(text.replace(/,/g, ''));
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function parseRows(stdout: string): Row[] {
  return stdout.split('\n').flatMap((line) => {
    const match = ROW.exec(line);
    if (match === null) return [];
    const [, host, noisy, events, fair, fifo] = match as unknown as [
      string,
      string,
      string | undefined,
      string,
      string,
      string,
    ];
    const cells = (text: string) => text.trim().split(/\s+/).map(num);
    return [{ host, noisy: noisy !== undefined, events: num(events), fair: cells(fair), fifo: cells(fifo) }];
  });
}

// dist/ is built (or rebuilt when stale) by the unit tests' global setup, test/support/buildLibrary.ts.

describe('rxjs-fair demo', () => {
  it('should compare fair and FIFO dispatch per host, quiet hosts waiting far less when fair', () => {
    const { status, stdout, stderr } = run(
      'demo',
      '--hosts',
      '4',
      '--vms',
      '2',
      '--policies',
      '2',
      '--events',
      '2000',
      '--no-progress',
    );
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout).toMatch(
      /^rxjs-fair demo: 4 hosts × 2 VMs × 2 policies \(16 queues\), 2,000 events, concurrency 16, skew 0\.9, seed 1$/m,
    );

    const rows = parseRows(stdout);
    expect(rows.map((row) => row.host)).toEqual(['compute0', 'compute1', 'compute2', 'compute3']);
    expect(rows.map((row) => row.noisy)).toEqual([true, false, false, false]);
    expect(rows[0]?.events).toBe(1800);
    expect(rows.reduce((sum, row) => sum + row.events, 0)).toBe(2000);
    for (const row of rows) {
      expect(row.fair).toHaveLength(3);
      expect(row.fifo).toHaveLength(3);
      const [p50 = NaN, p99 = NaN, max = NaN] = row.fair;
      expect(p50 <= p99 && p99 <= max).toBe(true);
    }
    for (const row of rows.slice(1)) {
      expect(row.fair[1]).toBeLessThan(row.fifo[1] as number); // p99 of each quiet host
    }

    const summary = /^quiet hosts' p99 wait: fair ([\d,]+) ms vs FIFO ([\d,]+) ms \(([\d,.]+)× lower\)$/m.exec(stdout);
    expect(summary).not.toBeNull();
    const [, fair = '', fifo = ''] = summary as RegExpExecArray;
    expect(num(fair)).toBeLessThan(num(fifo));

    const makespan = /^makespan: fair ([\d,]+) ms vs FIFO ([\d,]+) ms/m.exec(stdout);
    expect(makespan).not.toBeNull();
    const [, fairEnd = '', fifoEnd = ''] = makespan as RegExpExecArray;
    expect(Math.abs(num(fairEnd) - num(fifoEnd)) / num(fifoEnd)).toBeLessThan(0.05);

    expect(stdout).toMatch(
      /^exactly once: fair and FIFO each processed all 2,000 events once \(count 2,000, id sum 2,001,000\), at most 16 at a time$/m,
    );
  });

  it('should give the same output for the same seed', () => {
    const args = ['demo', '--hosts', '3', '--events', '500', '--seed', '9', '--no-progress'];
    const withoutWallTime = (stdout: string) => stdout.replace(/^wall time:.*$/m, '');
    expect(withoutWallTime(run(...args).stdout)).toBe(withoutWallTime(run(...args).stdout));
  });

  it.each([
    [['--concurrency', '0'], /--concurrency/],
    [['--skew', '2'], /--skew/],
    [['--skew', '1'], /--skew/],
    [['--hosts', 'many'], /--hosts/],
    [['--events', '1.5'], /--events/],
    [['--seed', '-1'], /--seed/],
    [['--bogus'], /unknown option/],
  ])('should refuse %j with a one-line error and a non-zero exit', (flags, message) => {
    const { status, stdout, stderr } = run('demo', ...flags, '--no-progress');
    expect(status).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('should refuse a tree too large to simulate', () => {
    const { status, stderr } = run('demo', '--hosts', '1000', '--vms', '100', '--policies', '10');
    expect(status).not.toBe(0);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('should print the version from package.json and list the demo command in its help', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(run('--version').stdout.trim()).toBe(pkg.version);
    const short = run('-V');
    expect(short.status).toBe(0);
    expect(short.stdout.trim()).toBe(pkg.version);
    for (const flag of ['--help', '-h']) {
      const help = run(flag);
      expect(help.status).toBe(0);
      expect(help.stderr).toBe('');
      expect(help.stdout).toMatch(/^\s+demo \[options\]/m);
    }
  });

  it('should list every demo flag with its default in the help of demo', () => {
    for (const args of [
      ['demo', '--help'],
      ['demo', '-h'],
      ['help', 'demo'],
    ]) {
      const { status, stdout, stderr } = run(...args);
      expect(status).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^Usage: rxjs-fair demo \[options\]$/m);
      const text = stdout.replace(/\n\s+/g, ' '); // descriptions wrapped over several lines, joined
      for (const [flag, fallback] of [
        ['--hosts <n>', '8'],
        ['--vms <n>', '4'],
        ['--policies <n>', '3'],
        ['--events <n>', '20000'],
        ['--concurrency <n>', '16'],
        ['--skew <0..1>', '0.9'],
        ['--seed <n>', '1'],
      ] as const) {
        // The flag, then its description up to its default, not running into the next flag.
        expect(text).toMatch(new RegExp(`${escape(flag)} {2,}(?:(?! --).)+ \\(default: ${escape(fallback)}\\)`));
      }
      expect(text).toMatch(/--no-progress +no progress/);
    }
  });

  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['serve'], /unknown command 'serve'/],
    [['help', 'bogus'], /unknown command 'bogus'/],
    [['demo', 'extra'], /too many arguments for 'demo'/],
    [['demo', '--hosts'], /--hosts <n>' argument missing/],
    [['demo', '--no-progress=yes'], /--no-progress/],
    [['--hosts', '3', 'demo'], /unknown option '--hosts'/],
  ])('should refuse the command line %j with a one-line error and a non-zero exit', (args, message) => {
    const { status, stdout, stderr } = run(...args);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('should show the help on stderr and fail when no command is given', () => {
    const { status, stdout, stderr } = run();
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^\s+demo \[options\]/m);
  });

  it('should name what was expected and what was given in a bad value', () => {
    const { stderr } = run('demo', '--skew', '2');
    expect(stderr).toBe(
      "error: option '--skew <0..1>' argument '2' is invalid. Expected a number from 0 up to, not including, 1.\n",
    );
  });

  it('should load nothing but Node modules and rxjs, the peer dependency', () => {
    const imported = new Set<string>();
    const visit = (file: string) => {
      const code = readFileSync(join(root, 'dist', file), 'utf8');
      for (const [, specifier = ''] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g)) {
        if (specifier.startsWith('./')) {
          const chunk = specifier.slice(2);
          if (!imported.has(chunk)) {
            imported.add(chunk);
            visit(chunk);
          }
        } else {
          imported.add(specifier);
        }
      }
    };
    visit('cli.js');
    const packages = [...imported].filter((name) => !name.endsWith('.js'));
    expect(packages.filter((name) => name !== 'rxjs' && !isBuiltin(name))).toEqual([]);
    expect([...imported].some((name) => /^runDemo-.*\.js$/.test(name))).toBe(true); // the walk did follow the chunks
  });
});
