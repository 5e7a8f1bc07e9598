#!/usr/bin/env node
// Why a wide or deep backlog costs more per event even for the floor (4): fair order reads the events in another
// order than they were allocated (arrival order), so over a backlog larger than the cache nearly every event read is
// a cache miss; a FIFO reads them in allocation order. This runs the floor of a cell twice, alternating: with the
// events as objects (as every benchmark case gets them) and with small-integer ids instead (nothing to read per
// event). The difference is what reading the event objects out of order costs; the rest is the tree.
//
//   node --expose-gc bench/locality.mjs [--k 30000] [--dist uniform] [--n 1000000] [--reps 5]
//
// Prints CPU ns per event (less sensitive than wall time to other processes on a shared machine), median of reps,
// and the push and drain phases' wall time.

import { FloorDispatcher, buildTree } from './floor.mjs';
import { SHAPES, consumeId, generate, resetCounters, verify, work } from './workload.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const k = Number(opt('k', '30000'));
const dist = opt('dist', 'uniform');
const n = Number(opt('n', '1000000'));
const reps = Number(opt('reps', '5'));
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

const shape = SHAPES[k];
const { events, leafOf } = generate(shape, dist, n);
const ids = Array.from({ length: n }, (_, i) => i);
const RESOLVED = Promise.resolve(undefined);
/** `work` for an id: the same sum and count, no object read. */
const workId = (id) => {
  consumeId(id);
  return RESOLVED;
};
const variants = { objects: { payload: events, worker: work }, ids: { payload: ids, worker: workId } };

async function once(variant, count) {
  const { payload, worker } = variants[variant];
  resetCounters();
  const { root, leaves } = buildTree(shape);
  const dispatcher = new FloorDispatcher(root, worker, 16);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    leaves[leafOf[i]].push(payload[i]);
    dispatcher.arrived();
  }
  const t1 = process.hrtime.bigint();
  dispatcher.end();
  await dispatcher.done;
  const t2 = process.hrtime.bigint();
  const cpu = process.cpuUsage(c0);
  verify(count, `locality ${variant}`);
  return {
    cpu: ((cpu.user + cpu.system) * 1000) / count,
    push: Number(t1 - t0) / count,
    drain: Number(t2 - t1) / count,
  };
}

globalThis.gc();
for (const variant of Object.keys(variants)) for (let i = 0; i < 3; i++) await once(variant, Math.min(n, 100_000));
const results = { objects: [], ids: [] };
for (let r = 0; r < reps; r++)
  for (const variant of r % 2 === 0 ? ['objects', 'ids'] : ['ids', 'objects'])
    results[variant].push(await once(variant, n));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`floor (4), backlog K=${k} ${dist}, n=${n}, median of ${reps}:`);
for (const [variant, runs] of Object.entries(results)) {
  const m = (key) => Math.round(median(runs.map((run) => run[key])));
  console.log(
    `  events as ${variant.padEnd(7)}  CPU ${String(m('cpu')).padStart(5)} ns/event   (wall: push ${m('push')}, drain ${m('drain')})`,
  );
}
