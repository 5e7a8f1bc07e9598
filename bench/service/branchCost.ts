/**
 * What one host's branch costs the scheduler's backlog: the host -> VM -> policy tree of the service (`FairTree`, core
 * nodes through a `QueueSource`) against the same tree of the library's `roundRobin` nodes over `LeafSubject` leaves,
 * in one run. For each: 10,000 hosts (BENCH_HOSTS), one event each, pushed and dispatched by `fairMergeMap`
 * (concurrency 16, a Promise projection): the time per host, and the heap still held per host once everything ran
 * (the branches stay until the scheduler's sweep, as in a drain).
 *
 *   node --expose-gc --import tsx bench/service/branchCost.ts
 */
import { LeafSubject, fairMergeMap, roundRobin, type RoundRobin } from 'rxjs-fair';
import type { Observable } from 'rxjs';
import { FairTree } from '../../service/src/FairTree.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const gc = globalThis.gc as (() => void) | undefined;
if (gc === undefined) throw new Error('Run with node --expose-gc');

/** Pushes one event per host through `push`, waits until every one ran, and measures. */
async function measure(build: () => { source: Observable<number>; push: (host: number) => void; hold: unknown }) {
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const started = performance.now();
  const { source, push, hold } = build();
  let ran = 0;
  let allRan: () => void = () => {};
  const all = new Promise<void>((resolve) => (allRan = resolve));
  // Subscribed until measured: the dispatch's state of each branch is part of what a live scheduler holds.
  const subscription = source
    .pipe(fairMergeMap(() => Promise.resolve(++ran), 16))
    .subscribe((n) => n === HOSTS && allRan());
  for (let host = 0; host < HOSTS; host++) push(host);
  await all;
  const micros = ((performance.now() - started) * 1000) / HOSTS;
  gc?.();
  const bytes = (process.memoryUsage().heapUsed - before) / HOSTS;
  subscription.unsubscribe();
  void hold; // kept alive up to here: its branches are what is measured
  return { micros, bytes };
}

const coreTree = () => {
  const tree = new FairTree<number>();
  return { source: tree.source, push: (host: number) => tree.push(`h${host}`, 'vm', 'heal', host), hold: tree };
};

const rxTree = () => {
  const root: RoundRobin<number> = roundRobin<number>();
  const leaves: LeafSubject<number>[] = [];
  const push = (host: number) => {
    const leaf = new LeafSubject<number>();
    root.add(`h${host}`, roundRobin({ vm: roundRobin({ heal: leaf }) }));
    leaves.push(leaf);
    leaf.next(host);
  };
  return { source: root as Observable<number>, push, hold: leaves };
};

for (let round = 0; round < ROUNDS; round++) {
  const core = await measure(coreTree);
  const rx = await measure(rxTree);
  console.log(
    `round ${round}: FairTree (core nodes, QueueSource) ${core.micros.toFixed(1)} µs, ${Math.round(core.bytes)} B per host; ` +
      `roundRobin + LeafSubject ${rx.micros.toFixed(1)} µs, ${Math.round(rx.bytes)} B per host`,
  );
}
