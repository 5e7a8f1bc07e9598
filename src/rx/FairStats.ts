import { Observable, from, type ObservableInput, type Subscriber } from 'rxjs';
import { checkFunction, checkLimit, checkOptionsObject, describeValue } from '../core/checks.js';
import type { ParentNode, QueueNode } from '../core/QueueNode.js';
import type { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import { FAIR_STATS, type FairStatsBrand } from './brands.js';
import type { FairKeyStats, FairNodeStats, FairSnapshot } from './FairSnapshot.js';
import type { StatsTarget } from './fairProtocol.js';
import { LiveStats } from './LiveStats.js';
import { StatsWindow } from './StatsWindow.js';
import { jainIndex } from '../core/jainIndex.js';

// The snapshot's types, where they were first exported from.
export type { FairKeyStats, FairNodeStats, FairSnapshot } from './FairSnapshot.js';

export interface FairStatsOptions {
  /**
   * The clock, in any unit (waits are differences of its readings). In marble tests, `() => scheduler.now()`
   * makes every figure exact in virtual time. It must return a number; a throw errors the live `snapshots`
   * subscriptions (never the dispatch).
   * @default performance.now
   */
  readonly now?: () => number;
  /**
   * How many levels of the tree a snapshot lists: 1, the top-level keys only; 2, each with its children
   * (`children`); `Infinity`, every node and leaf. Deeper levels cost only the entries they add: the tree is
   * walked once per snapshot either way.
   * @default 1
   */
  readonly depth?: number;
}

/**
 * Live stats of a fair operator's subscription, as an Observable of snapshots: queued and active per node,
 * dispatches, wait-time percentiles per top-level key, and Jain's fairness index over the busy keys.
 *
 * Give it to `fairMergeMap` (`{ stats }`), then subscribe to `snapshots(notifier)`: one snapshot per notifier
 * emission, each covering the window since the previous one. It has no timers of its own, and costs nothing
 * while no `snapshots` subscription is live: no timestamps, no counters, no work per event.
 *
 * ```
 * events:    (abx)-----------|    by host: a b of h1, x of h2; concurrency 1, each projection 3 frames
 * notifier:  ----n-----n-----|
 * output:    --a--b--x-------|    dispatched at 0, 3 and 6
 * snapshots: ----s-----t-----|    s: h1 2 dispatched (waits 0, 3), b running, x queued; fairness 0.5
 *                                 t: h2 1 dispatched (wait 6), fairness 1
 * ```
 *
 * `T`, the events' type, only documents what it watches: a `FairStats` never looks at an event, and any one fits
 * any operator.
 *
 * @example
 * const stats = new FairStats<Event>();
 * events$.pipe(fairMergeMap(act, { concurrency: 16, by: (e) => [e.host, e.vm], stats })).subscribe();
 * stats.snapshots(interval(1000)).subscribe((s) => console.log(s.fairness, s.keys.map((k) => k.wait?.p99)));
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- T names the events watched, for the reader and the call site
export class FairStats<T = unknown> {
  readonly #now: () => number;
  readonly #depth: number;
  /** The operator subscription watched, or `null`. */
  #target: StatsTarget<unknown> | null = null;
  /** Hooks and windows while some `snapshots` subscription is live; `null` otherwise. */
  #live: LiveStats | null = null;

  constructor(options: FairStatsOptions = {}) {
    checkOptionsObject(options);
    const { now = () => performance.now(), depth = 1 } = options;
    checkFunction(now, '`now`');
    checkLimit(depth, '`depth`');
    this.#now = now;
    this.#depth = depth;
    // Its brand, for `fairMergeMap` of either build (the assignment checks that it is a `StatsHost`); set here: a
    // computed class member would keep the class in bundles.
    (this as unknown as { [FAIR_STATS]: FairStatsBrand[typeof FAIR_STATS] })[FAIR_STATS] = this;
  }

  /** Whether it watches a running operator subscription. */
  get attached(): boolean {
    return this.#target !== null;
  }

  /**
   * One snapshot per emission of `notifier`, each covering the window since the previous one (the first: since
   * this subscription). Completes and errors with the notifier. Each subscription has its own windows; while
   * at least one is live, the watched operator records arrivals and dispatches.
   */
  snapshots(notifier: ObservableInput<unknown>): Observable<FairSnapshot> {
    const notifier$ = from(notifier); // not an ObservableInput: a TypeError here, at the call
    return new Observable<FairSnapshot>((subscriber) => {
      const window = this.#open(subscriber);
      subscriber.add(() => this.#close(window));
      if (subscriber.closed) return;
      subscriber.add(
        notifier$.subscribe({
          next: () => {
            let snapshot: FairSnapshot;
            try {
              snapshot = this.#snapshot(window);
            } catch (err) {
              subscriber.error(err);
              return;
            }
            subscriber.next(snapshot);
          },
          error: (err: unknown) => subscriber.error(err),
          complete: () => subscriber.complete(),
        }),
      );
    });
  }

  /** @internal */
  _attach(target: StatsTarget<unknown>): void {
    if (this.#target !== null) {
      throw new Error(
        'This FairStats already watches a running subscription: give each fairMergeMap subscription its own FairStats',
      );
    }
    this.#target = target;
    if (this.#live !== null) target.tap(this.#live);
  }

  /** @internal */
  _detach(target: StatsTarget<unknown>): void {
    if (this.#target !== target) return;
    this.#target = null;
    // Its leaves are gone; the windows keep what they counted until their next snapshot.
    this.#live?.arrivals.clear();
  }

  /** Opens a window for a new `snapshots` subscription; the first switches the hooks on. */
  #open(subscriber: Subscriber<FairSnapshot>): StatsWindow {
    let live = this.#live;
    if (live === null) {
      live = this.#live = new LiveStats(this);
      this.#target?.tap(live);
    }
    const window = new StatsWindow(subscriber, Number.NaN, this.#busyNow(null));
    live.windows.push(window);
    window.since = this._time(); // a failing clock errors this subscription too (it is in `windows` already)
    return window;
  }

  #close(window: StatsWindow): void {
    const live = this.#live;
    if (live === null) return;
    const at = live.windows.indexOf(window);
    if (at >= 0) live.windows.splice(at, 1);
    if (live.windows.length > 0) return;
    this.#live = null;
    this.#target?.tap(null);
  }

  /** @internal The time now, or `NaN` after erroring every live `snapshots` subscription if `now` failed. */
  _time(): number {
    let time: unknown;
    try {
      time = this.#now();
      if (typeof time !== 'number' || Number.isNaN(time))
        throw new TypeError(`Expected \`now\` to return a number, got ${describeValue(time)}`);
    } catch (err) {
      // Stats never disturb the dispatch: their own subscribers get the error.
      for (const window of [...(this.#live?.windows ?? [])]) window.subscriber.error(err);
      return Number.NaN;
    }
    return time;
  }

  /** @internal The top-level node an event of `leaf` counts for, or `null` without keys (a plain FIFO). */
  _topOf(leaf: QueueNode<unknown>): QueueNode<unknown> | null {
    const root = this.#target?.queue;
    if (root === undefined || leaf === root) return null;
    let node = leaf;
    while (node._parent !== null && node._parent !== root) node = node._parent;
    return node._parent === root ? node : null;
  }

  /** The top-level keys busy now (events queued and not paused); `out` also gets their stats. */
  #busyNow(out: FairNodeStats[] | null): Set<unknown> {
    const busy = new Set<unknown>();
    const root = this.#target?.queue;
    if (root === undefined || !isBranch(root)) return busy;
    const levels = this.#depth - 1;
    for (const key of root.keys()) {
      const node = root.get(key) as QueueNode<unknown>;
      const paused = root.isPaused(key);
      const stats = measure(key, node, paused, out === null ? 0 : levels);
      if (stats.queued > 0 && !paused) busy.add(key);
      out?.push(stats);
    }
    return busy;
  }

  #snapshot(window: StatsWindow): FairSnapshot {
    const time = this._time();
    if (Number.isNaN(time)) throw new Error('FairStats: `now` failed'); // its error already went to the subscriber
    const target = this.#target;
    const nodes: FairNodeStats[] = [];
    const busyNow = this.#busyNow(nodes);
    const keys: FairKeyStats[] = [];
    /** Per busy key, its dispatches over its weight. */
    const shares: number[] = [];
    const add = (node: FairNodeStats, weight: number): void => {
      const counted = window.keys.get(node.key);
      const dispatched = counted?.dispatched ?? 0;
      const busy = dispatched > 0 || busyNow.has(node.key) || window.busy.has(node.key);
      if (busy) shares.push(dispatched / weight);
      keys.push({
        ...node,
        dispatched,
        weight,
        busy,
        wait: counted === undefined ? null : counted.waits.percentiles(),
      });
    };
    const root = target?.queue;
    for (const node of nodes) add(node, (root as RoundRobinQueue<unknown, unknown>).weightOf(node.key));
    // Keys that dispatched in the window and have left the tree since (pruned, or deleted).
    for (const [key, counted] of window.keys) {
      if (!(root !== undefined && isBranch(root) && root.has(key)))
        add({ key, queued: 0, active: 0, paused: false }, counted.weight);
    }
    const snapshot: FairSnapshot = {
      time,
      since: window.since,
      totals: {
        queued: target === null ? 0 : target.queued,
        active: target === null ? 0 : target.active,
        dispatched: window.dispatched,
        wait: window.waits.percentiles(),
      },
      keys,
      fairness: shares.length === 0 ? null : (jainIndex(shares) ?? 1),
    };
    window.reset(time, busyNow);
    // A leaf deleted from the tree (its events handed back) never dispatches again: forget its arrival times.
    const arrivals = this.#live?.arrivals;
    if (arrivals !== undefined && root !== undefined) {
      for (const leaf of arrivals.keys()) if (leaf !== root && this._topOf(leaf) === null) arrivals.delete(leaf);
    }
    return snapshot;
  }
}

/** A node's queued and active events, with its children listed `levels` deep; the subtree is walked once. */
function measure(key: unknown, node: QueueNode<unknown>, paused: boolean, levels: number): FairNodeStats {
  if (levels <= 0 || !isBranch(node)) {
    return { key, queued: node.size, active: node.active, paused };
  }
  const children: FairNodeStats[] = [];
  let queued = 0;
  for (const childKey of node.keys()) {
    const child = node.get(childKey) as QueueNode<unknown>;
    const stats = measure(childKey, child, node.isPaused(childKey), levels - 1);
    queued += stats.queued;
    children.push(stats);
  }
  return { key, queued, active: node.active, paused, children };
}

/**
 * Whether a node of the watched tree has children. Not `instanceof RoundRobinQueue`: the tree is built by the copy of
 * the library that made the `roundRobin` node (the ESM or the CJS build), which may not be this one.
 */
function isBranch(node: QueueNode<unknown>): node is RoundRobinQueue<unknown, unknown> {
  return typeof (node as Partial<ParentNode<unknown>>)._childReady === 'function';
}
