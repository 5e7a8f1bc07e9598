import {
  Observable,
  Subscription,
  type ObservableInput,
  type Observer,
  type ObservedValueOf,
  type OperatorFunction,
} from 'rxjs';
import { BoundedFifoQueue } from '../core/BoundedFifoQueue.js';
import { FifoQueue } from '../core/FifoQueue.js';
import { checkLimit, describeKey } from '../core/QueueNode.js';
import { RoundRobinQueue, type RoundRobinQueueOptions } from '../core/RoundRobinQueue.js';
import { CostDispatcher } from './CostDispatcher.js';
import {
  connectFairNode,
  dispatch,
  runDispatcher,
  statsHostOf,
  type FairSink,
  type FairSource,
  type Project,
  type StatsTap,
} from './dispatchInternals.js';
// Types only: a bundle that never builds a FairStats or a roundRobin node leaves their code out.
import type { FairStats } from './FairStats.js';
import { DropReport, checkLeafBound, type LeafBound } from './LeafBound.js';

export interface FairMergeMapOptions<T> {
  /**
   * The most projections active at once. The next event is picked only when one of them completes.
   * @default Infinity
   */
  readonly concurrency?: number;
  /**
   * The key path of an event, outermost first (`e => [e.host, e.vm, e.policy]`). Given, the operator builds the
   * round-robin tree from the paths of a flat stream and prunes branches once they are empty.
   */
  readonly by?: (value: T) => readonly unknown[];
  /**
   * With `by`: the weight of the branch at `path[depth]` (`depth` 0: the first key), the turns in a row it gets at
   * the front of its parent's rotation. Asked when the branch is created, so again once it was pruned (or kept for
   * reuse) and comes back. A throw, or an answer that is not a positive integer, errors the output.
   * @default () => 1
   */
  readonly weight?: (path: readonly unknown[], depth: number) => number;
  /**
   * With `by`: the most active projections below each branch, per depth (`[2, 1]` with `by: e => [e.host, e.vm,
   * e.policy]`: at most 2 per host and 1 per VM). A branch at its cap waits; the others keep the slots busy.
   * Missing depths (or `Infinity`) have no cap.
   * @default []
   */
  readonly caps?: readonly number[];
  /**
   * The slots of `concurrency` an event takes while its projection runs (an expensive migration: 4). Asked once
   * per event, when it is about to be dispatched. An event that costs more than the free slots is held until
   * enough are free, and nothing overtakes it: the rotation order is kept. A cost above `concurrency` counts as
   * `concurrency` (the event runs alone). A throw, or an answer that is not a positive integer, errors the output.
   * Caps still count events, not slots.
   * @default () => 1
   */
  readonly cost?: (value: T) => number;
  /**
   * A bound on every leaf `by` creates (the `dropped` path is the event's key path), or, without `by`, on the
   * operator's own FIFO (path `[]`): a bounded `mergeMap`. Events dispatched at once never meet it. Not for a
   * `roundRobin` source (the output errors): give its leaves `bounds` there. See {@link LeafBound}.
   * @default unbounded
   */
  readonly bound?: LeafBound<T>;
  /**
   * Live stats of this operator's subscription (queued and active per node, dispatches, waits, Jain's fairness
   * index), read with `stats.snapshots(notifier)`. Costs nothing while no `snapshots` subscription is live. One
   * `FairStats` watches one subscription at a time: a second one errors.
   */
  readonly stats?: FairStats<NoInfer<T>>;
}

/**
 * `mergeMap` with fair dispatch: projects each event to an Observable (or Promise, array, iterable) with at most
 * `concurrency` of them active, and picks the next event in round-robin order over its keys only when a slot frees.
 *
 * - Applied to a {@link roundRobin} node, it pulls from the node's tree; the backlog waits in the leaves.
 * - With `by`, it builds that tree from each event's key path, so any flat stream gets the same fairness.
 * - On any other stream it is a first-in first-out `mergeMap`, with a ring buffer instead of an array backlog.
 * - With `bound`, each leaf (or the FIFO) queues at most `size` events; dropped and replaced ones are reported
 *   on `bound.dropped`, never lost silently.
 * - With `cost`, an event may take several of the `concurrency` slots; the order stays the same (see the option).
 *
 * Errors of the sources and the projections error the output, as in `mergeMap`; catch inside `project` to keep
 * the others running. Completes once the sources completed, nothing is queued and every projection completed.
 *
 * ```
 * heal:   w(abc)-----------|    concurrency 1, each projection emits its value 2 frames later, then completes
 * scale:  -(xy)------------|
 * output: --w-a-x-b-y-c----|    while w runs, both leaves queue; then the rotation alternates
 * ```
 *
 * @example
 * events$.pipe(fairMergeMap((e) => heal(e), { concurrency: 16, by: (e) => [e.host, e.vm, e.policy] }))
 *   .subscribe((result) => console.log(result));
 */
export function fairMergeMap<T, O extends ObservableInput<unknown>>(
  project: (value: T, index: number) => O,
  concurrencyOrOptions: number | FairMergeMapOptions<T> = Infinity,
): OperatorFunction<T, ObservedValueOf<O>> {
  if (typeof project !== 'function')
    throw new TypeError(`Expected \`project\` to be a function, got ${describeKey(project)}`);
  const options =
    typeof concurrencyOrOptions === 'number' ? { concurrency: concurrencyOrOptions } : concurrencyOrOptions;
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Expected a concurrency or an options object, got ${describeKey(options)}`);
  }
  const { concurrency = Infinity, by } = options;
  checkLimit(concurrency, '`concurrency`');
  if (by !== undefined && typeof by !== 'function')
    throw new TypeError(`Expected \`by\` to be a function, got ${describeKey(by)}`);
  const { weight, caps } = options;
  if (weight !== undefined && typeof weight !== 'function')
    throw new TypeError(`Expected \`weight\` to be a function, got ${describeKey(weight)}`);
  if (caps !== undefined) {
    if (!Array.isArray(caps)) throw new TypeError(`Expected \`caps\` to be an array, got ${describeKey(caps)}`);
    caps.forEach((cap, depth) => checkLimit(cap, `\`caps[${depth}]\``));
  }
  const { cost } = options;
  if (cost !== undefined && typeof cost !== 'function')
    throw new TypeError(`Expected \`cost\` to be a function, got ${describeKey(cost)}`);
  // By its brand, not `instanceof`: the FairStats may come from the other build (ESM or CJS) of this library.
  const stats = options.stats === undefined ? undefined : statsHostOf(options.stats);
  if (by === undefined && (weight !== undefined || caps !== undefined)) {
    throw new TypeError('Expected `by` with `weight` or `caps`: they set up the branches `by` creates');
  }
  const bound = options.bound === undefined ? undefined : checkLeafBound<T>(options.bound, '');
  const tree: RoundRobinQueueOptions<unknown, T> = {
    pathWeight: weight,
    pathCaps: caps === undefined ? undefined : [...caps],
    spares: BY_SPARES,
  };

  type R = ObservedValueOf<O>;
  const fairProject = project as unknown as Project<T, R>;
  return (source) =>
    new Observable<R>((subscriber) => {
      // A node is recognised by its brand, so one built by the other build (ESM or CJS) of this library is pulled too.
      const node = by === undefined ? connectFairNode<T>(source) : undefined;
      if (node !== undefined && bound !== undefined) {
        subscriber.error(
          new TypeError(
            'Expected no `bound` with a roundRobin source: give its leaves `bounds` (roundRobin(children, { bounds }))',
          ),
        );
        return;
      }
      const connect =
        node ??
        (bound === undefined
          ? (sink: FairSink<T>) => new FlatSource(source, sink, by, tree)
          : (sink: FairSink<T>) => new BoundedFlatSource(source, sink, by, tree, bound));
      // Without `cost` every event takes one slot: the plain dispatcher, which counts nothing per event.
      if (cost === undefined) dispatch(subscriber, connect, fairProject, concurrency, stats);
      else
        runDispatcher(subscriber, connect, new CostDispatcher<T, R>(subscriber, fairProject, concurrency, cost), stats);
    });
}

/**
 * A flat stream queued in a tree built from `by`'s key paths, or, without `by`, in one FIFO. It is the source's
 * subscriber itself (a `Subscription` and an `Observer`), so an error raised while the source emits
 * synchronously unsubscribes it at once.
 */
class FlatSource<T> extends Subscription implements FairSource<T>, Observer<T> {
  readonly queue: RoundRobinQueue<T, unknown> | FifoQueue<T>;
  queued = 0;
  stats: StatsTap<T> | null = null;
  #completed = false;

  constructor(
    readonly source: Observable<T>,
    readonly sink: FairSink<T>,
    readonly by: ((value: T) => readonly unknown[]) | undefined,
    tree: RoundRobinQueueOptions<unknown, T> | undefined,
    /** The queue without `by` (a bounded one); a plain `FifoQueue` if not given. */
    fifo?: FifoQueue<T>,
  ) {
    super();
    this.queue = by === undefined ? (fifo ?? new FifoQueue<T>()) : new RoundRobinQueue<T, unknown>(undefined, tree);
    if (tree?.pathCaps?.some((cap) => cap !== Infinity) === true) sink.track();
  }

  sourcesDone(): boolean {
    return this.#completed;
  }

  start(): void {
    this.source.subscribe(this);
  }

  next(value: T): void {
    if (this.closed) return;
    const { by, sink } = this;
    let path: readonly unknown[] | undefined;
    try {
      // With nothing queued and a slot free the event skips the tree, but its path is checked all the same.
      path = by === undefined ? undefined : checkPath(by(value), value);
      if (this.queued === 0 && sink.offer(value)) return;
      if (path === undefined) (this.queue as FifoQueue<T>).push(value);
      else (this.queue as RoundRobinQueue<T, unknown>).push(path, value);
    } catch (err) {
      sink.error(err);
      return;
    }
    this.queued++;
    if (this.stats !== null) this.stats.arrived(leafOf(this.queue, path));
    sink.arrived();
  }

  error(err: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.sink.error(err);
  }

  complete(): void {
    if (this.closed) return;
    this.#completed = true;
    this.unsubscribe();
    this.sink.check();
  }
}

/**
 * A flat stream with a bound on its leaves (`by`) or its FIFO. A plain `FlatSource` keeps its own `next`, which
 * knows nothing of bounds.
 */
class BoundedFlatSource<T> extends FlatSource<T> {
  readonly #report: DropReport<T>;

  constructor(
    source: Observable<T>,
    sink: FairSink<T>,
    by: ((value: T) => readonly unknown[]) | undefined,
    tree: RoundRobinQueueOptions<unknown, T> | undefined,
    bound: LeafBound<T>,
  ) {
    const report = new DropReport(bound);
    const leaf = report.queueOptions();
    if (by === undefined) super(source, sink, by, undefined, new BoundedFifoQueue(leaf));
    else super(source, sink, by, { ...tree, pathBound: leaf });
    this.#report = report;
  }

  override next(value: T): void {
    if (this.closed) return;
    const { by, sink } = this;
    try {
      const path = by === undefined ? undefined : checkPath(by(value), value);
      if (this.queued === 0 && sink.offer(value)) return; // the fast path: no bound to meet
      if (path === undefined) (this.queue as FifoQueue<T>).push(value);
      else (this.queue as RoundRobinQueue<T, unknown>).push(path, value);
    } catch (err) {
      sink.error(err); // an OverflowError among them: nothing was queued
      return;
    }
    const report = this.#report;
    // A drop or a replacement keeps the count: one event left for the one that came (or it was refused).
    if (!report.pending) this.queued++;
    else if (!report.flush(value, sink)) return;
    sink.arrived();
  }
}

/**
 * How many emptied branches `by`'s tree keeps for reuse (asked their `weight` again). A stream that arrives in
 * bursts empties the tree after each one, and rebuilding every branch was a fifth of `by`'s cost (bench/ab.mjs,
 * case 2, stream K=300). Their keys come back in first-seen order in stats, a small price.
 */
const BY_SPARES = 1024;

function checkPath(path: unknown, value: unknown): readonly unknown[] {
  if (!Array.isArray(path) || path.length === 0) {
    throw new TypeError(
      `Expected \`by\` to return a non-empty array, got ${describeKey(path)} for ${describeKey(value)}`,
    );
  }
  return path;
}

/** The leaf an event with key path `path` was queued in (the FIFO itself without `by`). */
function leafOf<T>(
  queue: RoundRobinQueue<T, unknown> | FifoQueue<T>,
  path: readonly unknown[] | undefined,
): FifoQueue<T> {
  if (path === undefined) return queue as FifoQueue<T>;
  let node = queue as RoundRobinQueue<T, unknown>;
  for (const key of path) node = node.get(key) as RoundRobinQueue<T, unknown>;
  return node as unknown as FifoQueue<T>;
}
