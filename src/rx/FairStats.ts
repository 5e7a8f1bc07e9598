import { Observable, from, type ObservableInput, type Subscriber } from 'rxjs';
import { checkLimit, describeKey, type ParentNode, type QueueNode } from '../core/QueueNode.js';
import { RingBuffer } from '../core/RingBuffer.js';
import { jainIndex } from '../core/jainIndex.js';
import type { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import { WaitSketch, type WaitPercentiles } from '../core/WaitSketch.js';
import {
  FAIR_STATS,
  type FairStatsBrand,
  type StatsHost,
  type StatsTap,
  type StatsTarget,
} from './dispatchInternals.js';

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

/** Queued and active events below a nested node (or at a leaf) at the snapshot's time. */
export interface FairNodeStats {
  readonly key: unknown;
  /** Events queued below it, paused ones included. */
  readonly queued: number;
  /** Projections running for events taken from below it (see the README on what is counted). */
  readonly active: number;
  /** Paused in its parent. */
  readonly paused: boolean;
  /** Its children, while the snapshot's `depth` reaches them; absent for a leaf. */
  readonly children?: readonly FairNodeStats[];
}

/** A top-level key (a child of the root: a host) in one snapshot. */
export interface FairKeyStats extends FairNodeStats {
  /** Its events dispatched in the window. */
  readonly dispatched: number;
  /** Its weight in the root's rotation (the last one seen, for a key no longer in the tree). */
  readonly weight: number;
  /**
   * Whether it counts in `fairness`: it wanted dispatches during the window (it had events queued and not paused
   * at its start or end, or got dispatches). A key that only has projections running wants nothing.
   */
  readonly busy: boolean;
  /** Waits of its events dispatched in the window; `null` when none was timed. */
  readonly wait: WaitPercentiles | null;
}

/** What a fair operator did since the previous snapshot, and what it holds now. */
export interface FairSnapshot {
  /** `now()` when the notifier emitted. */
  readonly time: number;
  /** Start of the window: the previous snapshot of this subscription, or when it subscribed. */
  readonly since: number;
  readonly totals: {
    /** Events queued now, paused ones included. */
    readonly queued: number;
    /** Projections running now. */
    readonly active: number;
    /** Events dispatched in the window. */
    readonly dispatched: number;
    /** Waits (arrival in the leaf to dispatch) of every event dispatched in the window; `null` when none was timed. */
    readonly wait: WaitPercentiles | null;
  };
  /** The top-level keys: those in the tree, in its key order, then those that left it during the window. */
  readonly keys: readonly FairKeyStats[];
  /**
   * Jain's fairness index over the busy keys, (Σx)² / (n·Σx²) with x = dispatched / weight: 1 when every busy
   * key got the same share of dispatches (in proportion to its weight), 1/n when one got them all. 1 when none
   * got any; `null` when no key was busy.
   */
  readonly fairness: number | null;
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
export class FairStats<T = unknown> implements StatsHost<unknown> {
  readonly #now: () => number;
  readonly #depth: number;
  /** The operator subscription watched, or `null`. */
  #target: StatsTarget<unknown> | null = null;
  /** Hooks and windows while some `snapshots` subscription is live; `null` otherwise. */
  #live: LiveStats | null = null;

  constructor(options: FairStatsOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new TypeError(`Expected an options object, got ${describeKey(options)}`);
    const { now = () => performance.now(), depth = 1 } = options;
    if (typeof now !== 'function') throw new TypeError(`Expected \`now\` to be a function, got ${describeKey(now)}`);
    checkLimit(depth, '`depth`');
    this.#now = now;
    this.#depth = depth;
    // Its brand, for `fairMergeMap` of either build; set here: a computed class member would keep the class in bundles.
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
  #open(subscriber: Subscriber<FairSnapshot>): Window {
    let live = this.#live;
    if (live === null) {
      live = this.#live = new LiveStats(this);
      this.#target?.tap(live);
    }
    const window = new Window(subscriber, Number.NaN, this.#busyNow(null));
    live.windows.push(window);
    window.since = this._time(); // a failing clock errors this subscription too (it is in `windows` already)
    return window;
  }

  #close(window: Window): void {
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
        throw new TypeError(`Expected \`now\` to return a number, got ${describeKey(time)}`);
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
      const stats = measure(key, node, node._paused, out === null ? 0 : levels);
      if (stats.queued > 0 && !node._paused) busy.add(key);
      out?.push(stats);
    }
    return busy;
  }

  #snapshot(window: Window): FairSnapshot {
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
    for (const node of nodes) add(node, (root as RoundRobinQueue<unknown, unknown>).get(node.key)?._ext?.weight ?? 1);
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

/** The hooks of a live `FairStats`: arrival times per leaf, and one window per `snapshots` subscription. */
class LiveStats implements StatsTap<unknown> {
  /** Per leaf that received an event while live: how many older events it holds untimed, and the arrival times. */
  readonly arrivals = new Map<QueueNode<unknown>, Arrivals>();
  readonly windows: Window[] = [];

  constructor(readonly stats: FairStats) {}

  arrived(leaf: QueueNode<unknown>): void {
    const time = this.stats._time();
    const arrivals = this.arrivals.get(leaf);
    // Events already in the leaf arrived before: they are dispatched first (per-leaf FIFO), untimed.
    if (arrivals === undefined) this.arrivals.set(leaf, { untimed: leaf.size - 1, held: 1, first: time, rest: null });
    else if (arrivals.held++ === 0) arrivals.first = time;
    else (arrivals.rest ??= new RingBuffer<number>()).push(time);
  }

  dispatched(leaf: QueueNode<unknown>): void {
    let wait = Number.NaN;
    const arrivals = this.arrivals.get(leaf);
    if (arrivals !== undefined) {
      if (arrivals.untimed > 0) arrivals.untimed--;
      else {
        wait = this.stats._time() - arrivals.first;
        if (--arrivals.held > 0) arrivals.first = (arrivals.rest as RingBuffer<number>).shift() as number;
        else this.arrivals.delete(leaf); // memory follows the queue
      }
    }
    const top = this.stats._topOf(leaf);
    const weight = top === null || top._ext === null ? 1 : top._ext.weight;
    for (const window of this.windows) window.count(top, weight, wait);
  }
}

/** A leaf's arrival times: the oldest inline (most leaves hold one event at a time), the others in a ring. */
interface Arrivals {
  /** Older events of the leaf, which arrived before stats were live. */
  untimed: number;
  /** Timed events held. */
  held: number;
  /** Arrival time of the oldest timed event, while `held > 0`. */
  first: number;
  /** Arrival times of the others, oldest first. */
  rest: RingBuffer<number> | null;
}

/** What one `snapshots` subscription counted since its previous snapshot. */
class Window {
  dispatched = 0;
  readonly waits = new WaitSketch();
  /** Per top-level key: its dispatches and waits. */
  readonly keys = new Map<unknown, KeyWindow>();

  constructor(
    readonly subscriber: Subscriber<FairSnapshot>,
    public since: number,
    /** The top-level keys busy when the window began. */
    public busy: Set<unknown>,
  ) {}

  count(top: QueueNode<unknown> | null, weight: number, wait: number): void {
    this.dispatched++;
    const timed = !Number.isNaN(wait);
    if (timed) this.waits.record(wait);
    if (top === null) return;
    let key = this.keys.get(top._key);
    if (key === undefined) this.keys.set(top._key, (key = { dispatched: 0, weight, waits: new WaitSketch() }));
    key.dispatched++;
    key.weight = weight;
    if (timed) key.waits.record(wait);
  }

  reset(since: number, busy: Set<unknown>): void {
    this.since = since;
    this.busy = busy;
    this.dispatched = 0;
    this.waits.clear();
    this.keys.clear();
  }
}

interface KeyWindow {
  dispatched: number;
  weight: number;
  readonly waits: WaitSketch;
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
    const stats = measure(childKey, child, child._paused, levels - 1);
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
