// One measured run in its own process: `node --expose-gc bench/child.mjs '<json spec>'`. Prints one JSON line.
//
// spec: { kind: 'time' | 'mem' | 'fair', case, k, dist, mode: 'backlog' | 'stream', n, repeats, warmup,
//         warmupChunk, warmupMs, burst, lib, profile?, promoteSetup? } (bench/run.mjs and bench/profile.mjs write
//         them; `promoteSetup: false` leaves out the two minor GCs after `prepare`, to measure what they change)
// - time: a full GC, warm-up runs (`warmup` events in all, same case, mode and cell), then `repeats` measured runs
//   of n events (each with fresh structures, promoted to the old generation by two minor GCs before the clock
//   starts; times summed). Reports ns per event (wall and CPU), RSS before the
//   measured runs, peak RSS of the process.
// - mem:  backlog of n pushed at once; heap and RSS before, with the backlog queued, and after the drain (still
//   subscribed, so what is left is what the dispatcher keeps), each after a full GC. Not timed.
// - fair: backlog of n; records each event's dispatch ordinal; returns the quiet hosts' wait percentiles.
// Every run checks that every event was processed exactly once (count and sum of ids); a failure exits non-zero.

import { pathToFileURL } from 'node:url';
import { CASES } from './cases.mjs';
import { FEATURE_CASES } from './featureCases.mjs';
import { SHAPES, generate, readCounters, resetCounters, verify } from './workload.mjs';

const spec = JSON.parse(process.argv[2]);
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const caseDef = CASES[spec.case] ?? FEATURE_CASES[spec.case];
if (caseDef === undefined) throw new Error(`unknown case ${spec.case}`);

const lib = await import(pathToFileURL(spec.lib).href);
const rxjs = await import('rxjs');
const { default: PQueue } = await import('p-queue');

const shape = SHAPES[spec.k];
const total = Math.max(spec.n, Math.min(spec.warmup ?? 0, spec.warmupChunk ?? 100_000));
const { events, leafOf, names } = generate(shape, spec.dist, total);
const ctx = { lib, rxjs, PQueue, shape, names, events, leafOf };
const label = `case ${spec.case} ${spec.kind} ${spec.mode} K=${spec.k} ${spec.dist} n=${spec.n}`;

function fullGc() {
  globalThis.gc();
  globalThis.gc();
}

function streamPush(inst, n, burst) {
  return new Promise((resolve) => {
    let i = 0;
    const step = () => {
      const stop = Math.min(n, i + burst);
      while (i < stop) inst.push(i++);
      if (i < n) setImmediate(step);
      else {
        inst.end();
        resolve();
      }
    };
    step();
  });
}

/** Prepares (untimed), then pushes n events and drains them (timed). Returns wall and CPU nanoseconds. */
async function runOnce(n, mode, profiler) {
  resetCounters();
  const inst = caseDef.prepare(ctx);
  // What `prepare` built (tens of thousands of Subjects, subscribers and queues at K = 30,000) is young: left
  // there, the first scavenges of the timed run would copy and promote it, charging set-up work to the events.
  // Two minor GCs promote it now. (Not a full GC: after one, V8 runs with a shrunken young generation.)
  if (spec.promoteSetup !== false) {
    globalThis.gc({ type: 'minor' });
    globalThis.gc({ type: 'minor' });
  }
  if (profiler) await profiler.start();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (mode === 'backlog') {
    for (let i = 0; i < n; i++) inst.push(i);
    inst.end();
  } else {
    await streamPush(inst, n, spec.burst);
  }
  await inst.done;
  const t1 = process.hrtime.bigint();
  const c1 = process.cpuUsage(c0);
  if (profiler) await profiler.pause();
  verify(n, label);
  return { wall: Number(t1 - t0), cpu: (c1.user + c1.system) * 1000 };
}

const mem = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
};

async function timeRun() {
  // Warm-up: `warmup` events in all, in runs of at most n (a small backlog is warmed up at its own size).
  // A full GC first, not between warm-up and measurement: right after one, V8 runs with a shrunken young
  // generation and the next 100k events or so cost up to twice as much.
  fullGc();
  // Warm-up: `warmup` events in all, in runs of `warmupChunk` (at most n): enough for V8 to optimize every path
  // (about 300k events; 100k leaves the first measured run up to twice as slow), the per-run ones included.
  // Slow cases stop after `warmupMs` (at least one run): by then each per-event path has run 100k times or more.
  const chunk = Math.min(spec.n, spec.warmupChunk ?? 100_000);
  const until = performance.now() + (spec.warmupMs ?? Infinity);
  for (let left = spec.warmup; left > 0 && (left === spec.warmup || performance.now() < until); left -= chunk) {
    await runOnce(Math.min(left, chunk), spec.mode);
  }
  const profiler = spec.profile ? await profilerSession() : undefined;
  const before = mem();
  let ns = 0;
  let cpu = 0;
  const perRepeat = [];
  for (let r = 0; r < spec.repeats; r++) {
    const t = await runOnce(spec.n, spec.mode, profiler);
    perRepeat.push(t.wall);
    ns += t.wall;
    cpu += t.cpu;
  }
  const after = mem();
  if (profiler) await profiler.stop(spec.profile);
  return {
    ns,
    nsPerEvent: ns / (spec.n * spec.repeats),
    // CPU time of the process (every thread: GC helpers included) over the same span; less sensitive to other
    // processes on a busy machine, more to parallel GC work.
    cpuNsPerEvent: cpu / (spec.n * spec.repeats),
    rssBefore: before.rss,
    heapBefore: before.heapUsed,
    peakRss: process.resourceUsage().maxRSS * 1024,
    rssAfter: after.rss,
    repeatsNs: spec.repeats > 1 ? perRepeat : undefined,
  };
}

async function memRun() {
  const n = spec.n;
  resetCounters();
  const inst = caseDef.prepare(ctx);
  fullGc();
  const before = mem();
  for (let i = 0; i < n; i++) inst.push(i);
  fullGc(); // synchronous: nothing has drained yet but the first `concurrency` events
  const queued = mem();
  while (readCounters().count < n) await new Promise((resolve) => setImmediate(resolve));
  fullGc();
  const drained = mem();
  inst.end();
  await inst.done;
  verify(n, label);
  return {
    heapBefore: before.heapUsed,
    rssBefore: before.rss,
    heapQueued: queued.heapUsed,
    rssQueued: queued.rss,
    heapDrained: drained.heapUsed,
    rssDrained: drained.rss,
    bytesPerQueued: (queued.heapUsed - before.heapUsed) / n,
    peakRss: process.resourceUsage().maxRSS * 1024,
  };
}

async function fairRun() {
  const n = spec.n;
  const waits = new Float64Array(n).fill(-1);
  resetCounters(waits);
  const inst = caseDef.prepare(ctx);
  for (let i = 0; i < n; i++) inst.push(i);
  inst.end();
  await inst.done;
  verify(n, label);
  const noisy = names.hosts[0];
  const quiet = [];
  const loud = [];
  for (let id = 0; id < n; id++) (events[id].host === noisy ? loud : quiet).push(waits[id]);
  const stats = (xs) => {
    xs.sort((a, b) => a - b);
    const at = (q) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))];
    return { count: xs.length, p50: at(0.5), p99: at(0.99), max: xs[xs.length - 1] };
  };
  return { quiet: stats(quiet), noisy: stats(loud) };
}

/**
 * With `spec.profile` (a path), the timed part of the measured runs only (not start-up, event generation, warm-up
 * or `prepare`) is profiled through the inspector; see bench/profile.mjs.
 */
async function profilerSession() {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  let merged;
  return {
    start: () => session.post('Profiler.start'),
    async pause() {
      const { profile } = await session.post('Profiler.stop');
      merged = merged === undefined ? profile : mergeProfiles(merged, profile);
    },
    async stop(path) {
      writeFileSync(path, JSON.stringify(merged));
      session.disconnect();
    },
  };
}

/** Appends profile b's samples to a's (node ids differ, so b's nodes are renumbered). */
function mergeProfiles(a, b) {
  const offset = Math.max(...a.nodes.map((n) => n.id));
  const nodes = [
    ...a.nodes,
    ...b.nodes.map((n) => ({ ...n, id: n.id + offset, children: n.children?.map((c) => c + offset) })),
  ];
  return {
    ...a,
    nodes,
    samples: [...a.samples, ...b.samples.map((s) => s + offset)],
    timeDeltas: [...a.timeDeltas, ...b.timeDeltas],
    endTime: b.endTime,
  };
}

const run = { time: timeRun, mem: memRun, fair: fairRun }[spec.kind];
const result = await run();
process.stdout.write(`${JSON.stringify({ ...spec, ...result })}\n`);
