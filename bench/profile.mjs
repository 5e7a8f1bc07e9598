#!/usr/bin/env node
// Profiles one benchmark run and prints where the time goes (self time by function, and the library's share).
//
//   npx tsup && node bench/profile.mjs --case 1 --k 300 --dist skewed --mode backlog [--n 1000000] [--top 30]
//
// Only the measured run is profiled (not start-up, event generation or warm-up); --whole profiles the process.
// --trace-deopt also prints V8's deoptimizations; --no-inlining attributes time to the functions that spend it. The profile is left in bench/profiles/ (open it in Chrome
// DevTools or speedscope for the call tree).

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};

const spec = {
  kind: 'time',
  case: opt('case', '1'),
  k: Number(opt('k', '300')),
  dist: opt('dist', 'skewed'),
  mode: opt('mode', 'backlog'),
  n: Number(opt('n', '1000000')),
  repeats: Number(opt('repeats', '1')),
  warmup: Number(opt('warmup', '100000')),
  burst: 1000,
  lib: join(root, opt('lib', 'dist/index.js')),
};
const top = Number(opt('top', '30'));
const dir = join(here, 'profiles');
mkdirSync(dir, { recursive: true });
const name = `case${spec.case}-${spec.mode}-K${spec.k}-${spec.dist}`;
const file = join(dir, `${name}.cpuprofile`);
// Only the measured run is profiled (the child starts the inspector's profiler after the warm-up); pass
// --whole to profile the whole process with --cpu-prof instead.
const whole = argv.includes('--whole');
const flags = whole
  ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`, '--cpu-prof-interval=100']
  : [];
const extra = argv.includes('--trace-deopt') ? ['--trace-deopt'] : [];
// --no-inlining: V8 inlines small functions into their callers, so self time lands on the caller; without
// inlining the code is slower but the time is attributed to the function that spends it.
const noInline = argv.includes('--no-inlining') ? ['--no-turbo-inlining'] : [];
const res = spawnSync(
  process.execPath,
  [
    '--expose-gc',
    ...flags,
    ...extra,
    ...noInline,
    join(here, 'child.mjs'),
    JSON.stringify(whole ? spec : { ...spec, profile: file }),
  ],
  { encoding: 'utf8', cwd: root, maxBuffer: 256 * 1024 * 1024 },
);
if (extra.length > 0) {
  const lines = res.stdout.split('\n').filter((l) => l.includes('bailout') || l.includes('deoptimiz'));
  console.log(
    lines
      .filter((l) => !l.includes('node:'))
      .slice(0, 60)
      .join('\n'),
  );
}
if (res.status !== 0) {
  console.error(res.stderr);
  process.exit(1);
}
const result = JSON.parse(res.stdout.trim().split('\n').pop());
console.log(`${name}: ${Math.round(result.nsPerEvent)} ns/event (profiled, so slower than the benchmark)`);

const libDir = dirname(spec.lib).replace(root + '/', '') + '/';
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i];
  dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
let total = 0;
let libTotal = 0;
for (const [id, t] of dt) {
  const { callFrame } = byId.get(id);
  const file = callFrame.url.replace(/^file:\/\//, '').replace(root + '/', '');
  const key = `${callFrame.functionName || '(anonymous)'}  ${file}:${callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
  total += t;
  // The entry imports shared chunks (dist/chunk-*.js): the library is every file of the build's directory.
  if (file.startsWith(libDir)) libTotal += t;
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(
  `total ${(total / 1000).toFixed(0)} ms sampled; library self time ${((libTotal / total) * 100).toFixed(1)} %`,
);
for (const [key, t] of rows) console.log(`${((t / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
