#!/usr/bin/env node
// The benchmark of issue 4: every case of `bench/cases.mjs` over the grid, each measured run in its own child
// process (`bench/child.mjs`), then `bench/results.json` (every repetition) and `BENCHMARKS.md` (the tables).
//
//   npm run bench                 # full run (builds first; measures the built dist/index.js)
//   npm run bench -- --quick      # about a minute: fewer repetitions, backlog 100k, a subset of the grid
//   node --expose-gc bench/run.mjs [--quick] [--reps N] [--cases 1,2,4] [--only time,scale,fair,mem,features] [--no-write]
//                                  [--lib path/to/other/build.js]
//
// A full run with `--only` replaces only those parts of the record (each part's tables compare runs of one rotation,
// so a part is measured again on its own, on a quiet machine, without the hour of the whole run); the page says which
// parts came later, and when.
//
// Other engineers may rebuild dist/ while this runs, so the build is copied once to bench/.lib/ and every child
// imports that copy: one run measures one build.

import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CASE_IDS, CASES } from './cases.mjs';
import { FEATURE_CASES, FEATURE_IDS } from './featureCases.mjs';
import { writeReport } from './report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

// ------------------------------------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const quick = flag('--quick');

const FULL = {
  reps: 5,
  grid: { ks: [3, 300, 30000], dists: ['uniform', 'skewed'], modes: ['backlog', 'stream'] },
  n: { backlog: 1_000_000, stream: 1_000_000 },
  /** Warm-up events before each measured run (in runs of at most 100k). */
  warmup: 300_000,
  /** mergeMap(promise) drains its backlog with Array#shift: quadratic. Its backlog runs stop here. */
  mergeMapBacklogCap: 50_000,
  /** Per-event cost at smaller backlogs (the largest comes from the grid), each job about `totalEvents` events. */
  scale: { k: 300, dist: 'skewed', ns: [10_000, 100_000], totalEvents: 1_000_000, cases: CASE_IDS },
  fair: { ks: [3, 300, 30000], n: 100_000, cases: ['1', '2', '4', '5', '7', '8'] },
  mem: {
    cells: [
      [300, 'skewed'],
      [30000, 'skewed'],
      [30000, 'uniform'],
    ],
    n: 1_000_000,
    cases: ['1', '2', '4', '4k', '5', '7', '8'],
  },
  /** Issue 6: each feature case of bench/features/ next to its base case (the feature off), in one rotation. */
  features: {
    cells: [
      [300, 'skewed'],
      [30000, 'skewed'],
    ],
    modes: ['backlog', 'stream'],
    n: 300_000,
    reps: 3,
  },
};

/** About a minute: the cells the targets name (K = 300 and 30,000 skewed), 100k events, 3 repetitions. */
const QUICK = {
  reps: 3,
  cases: ['1', '1L', '2', '3', '4', '4s', '4ks', '5', '6', '7', '8'],
  grid: { ks: [300, 30000], dists: ['skewed'], modes: ['backlog', 'stream'] },
  n: { backlog: 100_000, stream: 100_000 },
  warmup: 300_000,
  mergeMapBacklogCap: 20_000,
  scale: { k: 300, dist: 'skewed', ns: [10_000], totalEvents: 100_000, cases: ['1', '2', '4', '6'] },
  fair: { ks: [300], n: 100_000, cases: ['1', '2', '4', '7', '8'] },
  // A backlog of 1M even here: at 100k over 30,000 keys the tree itself would dominate the bytes per event.
  mem: { cells: [[30000, 'uniform']], n: 1_000_000, cases: ['1', '2'] },
  features: { cells: [[30000, 'skewed']], modes: ['backlog', 'stream'], n: 100_000, reps: 2 },
};

const config = structuredClone(quick ? QUICK : FULL);
config.burst = 1000;
if (option('--reps')) config.reps = Number(option('--reps'));
const caseFilter = option('--cases')?.split(',');
const cases = CASE_IDS.filter((c) => (caseFilter ?? config.cases ?? CASE_IDS).includes(c));
const featureCases = FEATURE_IDS.filter((c) => caseFilter === undefined || caseFilter.includes(c));
/** Every case by id, the feature cases included. */
const ALL_CASES = { ...CASES, ...FEATURE_CASES };
const parts = option('--only')?.split(',') ?? ['time', 'scale', 'fair', 'mem', 'features'];
const write = !flag('--no-write');

// ------------------------------------------------------------------------------------------------ library

// --lib <file>: measure another build of the library (an ES module with the same exports), imported in place.
// By default the build in dist/ is copied whole (the entry imports shared chunks) to bench/.lib/ first.
const otherLib = option('--lib') ? resolve(option('--lib')) : undefined;
const distDir = join(root, 'dist');
const entry = otherLib ?? join(distDir, 'index.js');
if (!existsSync(entry)) {
  console.error(`No ${entry}: build first (npm run build), or run through \`npm run bench\`.`);
  process.exit(1);
}
let lib = entry;
if (otherLib === undefined) {
  const libDir = join(here, '.lib');
  rmSync(libDir, { recursive: true, force: true });
  cpSync(distDir, libDir, { recursive: true });
  lib = join(libDir, 'index.js');
}
const libHash = hashTree(dirname(lib));

/** sha256 over the .js files of a directory (the entry and its chunks), so a report names the exact build. */
function hashTree(dir) {
  const hash = createHash('sha256');
  const files = readdirSync(dir, { recursive: true })
    .filter((f) => String(f).endsWith('.js'))
    .sort();
  for (const f of files) hash.update(String(f)).update(readFileSync(join(dir, String(f))));
  return hash.digest('hex').slice(0, 12);
}

// ------------------------------------------------------------------------------------------------ plan

/** Case order for repetition r: rotated by r, so no case always runs first or right after the same one. */
const rotated = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

function backlogN(caseId, n) {
  return caseId === '5' ? Math.min(n, config.mergeMapBacklogCap) : n;
}

/**
 * Warm-up before the measured run: `config.warmup` events in runs of at most 100k, or as many runs as fit in
 * 300 ms (the slow baselines), at least one. mergeMap's backlog: its cap, in runs of 10k.
 */
function warmup(caseId, mode, n) {
  if (caseId === '5' && mode === 'backlog') return { warmup: Math.min(n, 50_000), warmupChunk: 10_000, warmupMs: 300 };
  return { warmup: config.warmup, warmupChunk: 100_000, warmupMs: 300 };
}

const jobs = [];
for (let rep = 0; rep < config.reps; rep++) {
  if (parts.includes('time')) {
    for (const mode of config.grid.modes) {
      for (const k of config.grid.ks) {
        for (const dist of config.grid.dists) {
          for (const c of rotated(cases, rep)) {
            const n = mode === 'backlog' ? backlogN(c, config.n.backlog) : config.n.stream;
            jobs.push({
              kind: 'time',
              part: 'grid',
              rep,
              case: c,
              k,
              dist,
              mode,
              n,
              repeats: 1,
              ...warmup(c, mode, n),
            });
          }
        }
      }
    }
  }
  if (parts.includes('scale')) {
    const { k, dist, ns, totalEvents } = config.scale;
    for (const n of ns) {
      for (const c of rotated(cases, rep).filter((c) => config.scale.cases.includes(c))) {
        if (backlogN(c, n) < n) continue; // above mergeMap's cap
        const total = backlogN(c, totalEvents);
        const repeats = Math.max(1, Math.round(total / n));
        jobs.push({
          kind: 'time',
          part: 'scale',
          rep,
          case: c,
          k,
          dist,
          mode: 'backlog',
          n,
          repeats,
          ...warmup(c, 'backlog', n),
        });
      }
    }
  }
}
if (parts.includes('features') && featureCases.length > 0) {
  const { cells, modes, n, reps } = config.features;
  // The bases of the selected feature cases run in the same rotation, so each ratio compares neighbours in time.
  const list = [...new Set(featureCases.map((c) => FEATURE_CASES[c].base)), ...featureCases];
  for (let rep = 0; rep < (option('--reps') ? config.reps : reps); rep++) {
    for (const mode of modes) {
      for (const [k, dist] of cells) {
        for (const c of rotated(list, rep)) {
          jobs.push({
            kind: 'time',
            part: 'features',
            rep,
            case: c,
            k,
            dist,
            mode,
            n,
            repeats: 1,
            ...warmup(c, mode, n),
          });
        }
      }
    }
  }
}
if (parts.includes('fair')) {
  for (const k of config.fair.ks) {
    for (const c of config.fair.cases.filter((c) => cases.includes(c))) {
      jobs.push({ kind: 'fair', part: 'fair', rep: 0, case: c, k, dist: 'skewed', mode: 'backlog', n: config.fair.n });
    }
  }
}
if (parts.includes('mem')) {
  for (const [k, dist] of config.mem.cells) {
    for (const c of config.mem.cases.filter((c) => cases.includes(c))) {
      jobs.push({ kind: 'mem', part: 'mem', rep: 0, case: c, k, dist, mode: 'backlog', n: backlogN(c, config.mem.n) });
    }
  }
}

// ------------------------------------------------------------------------------------------------ run

const NODE_FLAGS = ['--expose-gc', '--max-old-space-size=4096'];
const child = join(here, 'child.mjs');
const started = Date.now();
const runs = [];
console.log(
  `rxjs-fair bench${quick ? ' --quick' : ''}: ${jobs.length} runs, each in its own process (library ${libHash})`,
);

for (const [i, job] of jobs.entries()) {
  const spec = { ...job, burst: config.burst, lib };
  const jobStarted = Date.now();
  const res = spawnSync(process.execPath, [...NODE_FLAGS, child, JSON.stringify(spec)], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 10 * 60 * 1000,
  });
  const what = `${job.kind} ${job.mode} K=${job.k} ${job.dist} n=${job.n}${job.repeats > 1 ? `x${job.repeats}` : ''} (${job.case}) ${ALL_CASES[job.case].name}`;
  if (res.status !== 0) {
    console.error(`\nFAILED: ${what}\n${res.error ?? ''}${res.stderr}${res.stdout}`);
    console.error(`The run stopped; ${write ? 'results.json and BENCHMARKS.md were not written' : 'nothing written'}.`);
    process.exit(1);
  }
  const result = JSON.parse(res.stdout.trim().split('\n').pop());
  delete result.lib;
  runs.push({ ...result, part: job.part, rep: job.rep, order: i, processSeconds: (Date.now() - jobStarted) / 1000 });
  const elapsed = ((Date.now() - started) / 1000).toFixed(0);
  const summary =
    job.kind === 'time'
      ? `${Math.round(result.nsPerEvent)} ns/event`
      : job.kind === 'fair'
        ? `quiet p99 ${result.quiet.p99}`
        : `${result.bytesPerQueued.toFixed(1)} B/queued event`;
  console.log(`[${String(i + 1).padStart(String(jobs.length).length)}/${jobs.length} ${elapsed}s] ${what}: ${summary}`);
}

// ------------------------------------------------------------------------------------------------ write

const cpuModel = (() => {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
  } catch {
    return os.cpus()[0]?.model;
  }
})();
const git = (args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const commit = git(['rev-parse', '--short', 'HEAD']);
const dirty = git(['status', '--porcelain', '--', 'src']) ? ' (src modified)' : '';

const meta = {
  date: new Date().toISOString(),
  quick,
  command: quick ? 'npm run bench -- --quick' : 'npm run bench',
  durationSeconds: Math.round((Date.now() - started) / 1000),
  node: process.version,
  nodeFlags: NODE_FLAGS,
  cpu: cpuModel,
  cores: os.cpus().length,
  memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  platform: `${os.platform()} ${os.release()}`,
  rxjs: JSON.parse(readFileSync(join(root, 'node_modules/rxjs/package.json'), 'utf8')).version,
  pQueue: JSON.parse(readFileSync(join(root, 'node_modules/p-queue/package.json'), 'utf8')).version,
  library: {
    file: otherLib ? relative(root, otherLib) : 'dist/index.js',
    sha256: libHash,
    commit: commit && `${commit}${dirty}`,
  },
  concurrency: 16,
  config,
  cases: Object.fromEntries(cases.map((c) => [c, CASES[c].name])),
  features: Object.fromEntries(
    featureCases.map((c) => [
      c,
      {
        name: FEATURE_CASES[c].name,
        feature: FEATURE_CASES[c].feature,
        base: FEATURE_CASES[c].base,
        baseName: CASES[FEATURE_CASES[c].base].name,
      },
    ]),
  ),
};

if (write) {
  const record = option('--only') === undefined || quick ? { meta, runs } : mergedRecord({ meta, runs }, parts);
  writeFileSync(join(here, 'results.json'), `${JSON.stringify(record, null, 1)}\n`);
  writeReport(record, join(root, 'BENCHMARKS.md'));
  console.log(`\nWrote bench/results.json (${record.runs.length} runs) and BENCHMARKS.md in ${meta.durationSeconds}s.`);
}

/**
 * The record with the parts measured now in place of the same parts of the full run on record (if it is one): the
 * other parts keep their runs and the page's machine and build lines; `meta.later` says when each part came.
 */
function mergedRecord(now, measured) {
  const path = join(here, 'results.json');
  const before = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
  if (before === undefined || before.meta.quick) return now;
  const part = {
    date: now.meta.date,
    cpu: `${now.meta.cpu}, ${now.meta.cores} cores`,
    library: now.meta.library,
    command: `npm run bench -- ${argv.join(' ')}`,
  };
  const config = { ...before.meta.config };
  const partConfig = {
    time: ['grid', 'n', 'warmup', 'reps', 'mergeMapBacklogCap'],
    scale: ['scale'],
    fair: ['fair'],
    mem: ['mem'],
    features: ['features'],
  };
  for (const name of measured) for (const key of partConfig[name] ?? []) config[key] = now.meta.config[key];
  const runPart = (r) => (r.part === 'grid' ? 'time' : r.part);
  return {
    meta: {
      ...before.meta,
      config,
      ...(measured.includes('time') ? { cases: now.meta.cases } : {}),
      ...(measured.includes('features') ? { features: now.meta.features } : {}),
      later: { ...before.meta.later, ...Object.fromEntries(measured.map((name) => [name, part])) },
    },
    runs: [...before.runs.filter((r) => !measured.includes(runPart(r))), ...now.runs],
  };
}
