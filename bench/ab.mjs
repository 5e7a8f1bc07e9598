#!/usr/bin/env node
// A/B of library builds on the quick benchmark's time jobs (n = 100k unless given, warm-up 300k in runs of 100k),
// alternating the builds round by round, each run in its own child process (bench/child.mjs). Prints the median
// wall and CPU ns per event per cell. On a shared, loaded machine CPU time moves less than wall time; add the floor
// (case 4) as a control: it does not use the library, so its ratio shows the noise.
//
//   node bench/ab.mjs <rounds> <cases> <cells|all> [n] -- label=path/to/index.js label=path/to/index.js ...
//   node bench/ab.mjs 8 1,2,4 backlog:30000:uniform,stream:300:skewed 1000000 -- base=node_modules/.ab/base/index.js new=node_modules/.ab/new/index.js
//
// `all` is the quick grid: backlog and stream at K = 300 and 30,000 skewed.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const sep = args.indexOf('--');
if (sep < 3) {
  console.error('usage: node bench/ab.mjs <rounds> <cases> <cells|all> [n] -- label=build.js label=build.js ...');
  process.exit(1);
}
const [roundsArg, casesArg, cellsArg, nArg] = args.slice(0, sep);
const rounds = Number(roundsArg);
const n = Number(nArg ?? 100_000);
const cases = casesArg.split(',');
const cells =
  cellsArg === 'all'
    ? ['backlog', 'stream'].flatMap((mode) => [300, 30000].map((k) => [mode, k, 'skewed']))
    : cellsArg.split(',').map((cell) => {
        const [mode, k, dist] = cell.split(':');
        return [mode, Number(k), dist];
      });
const builds = args.slice(sep + 1).map((arg) => {
  const [label, path] = arg.split('=');
  return [label, resolve(path)];
});

/** cell -> label -> { wall: ns per event[], cpu: ns per event[] } */
const data = {};
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? builds : [...builds].reverse(); // neither build always runs first
  for (const [mode, k, dist] of cells) {
    for (const c of cases) {
      for (const [label, lib] of order) {
        const spec = {
          kind: 'time',
          case: c,
          k,
          dist,
          mode,
          n,
          repeats: 1,
          warmup: 300_000,
          warmupChunk: 100_000,
          warmupMs: 300,
          burst: 1000,
          lib,
        };
        const res = spawnSync(
          process.execPath,
          ['--expose-gc', '--max-old-space-size=4096', join(here, 'child.mjs'), JSON.stringify(spec)],
          {
            encoding: 'utf8',
            cwd: join(here, '..'),
          },
        );
        if (res.status !== 0) {
          console.error(res.stderr, res.stdout);
          process.exit(1);
        }
        const out = JSON.parse(res.stdout.trim().split('\n').pop());
        const runs = ((data[`(${c}) ${mode} K=${k} ${dist}`] ??= {})[label] ??= { wall: [], cpu: [] });
        runs.wall.push(out.nsPerEvent);
        runs.cpu.push(out.cpuNsPerEvent);
      }
    }
  }
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length;
  return m % 2 === 1 ? s[(m - 1) / 2] : (s[m / 2 - 1] + s[m / 2]) / 2;
};
const labels = builds.map(([label]) => label);
for (const what of ['wall', 'cpu']) {
  console.log(`\n${what} ns/event, median of ${rounds}`);
  console.log(
    [
      'cell'.padEnd(28),
      ...labels.map((l) => l.padStart(8)),
      ...labels.slice(1).map((l) => `${l}/${labels[0]}`.padStart(12)),
    ].join(' '),
  );
  for (const [cell, byLabel] of Object.entries(data)) {
    const ms = labels.map((label) => median(byLabel[label][what]));
    console.log(
      [
        cell.padEnd(28),
        ...ms.map((m) => String(Math.round(m)).padStart(8)),
        ...ms.slice(1).map((m) => (m / ms[0]).toFixed(3).padStart(12)),
      ].join(' '),
    );
  }
}
