import { Subscription, type Observable, type Observer } from 'rxjs';
import { BoundedFifoQueue } from '../core/BoundedFifoQueue.js';
import { describeValue } from '../core/checks.js';
import { FifoQueue } from '../core/FifoQueue.js';
import type { PriorityQueue } from '../core/PriorityQueue.js';
import type { RateLimit } from './RateLimit.js';
import { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import type { RoundRobinQueueOptions } from '../core/RoundRobinQueueOptions.js';
import type { ByPriority } from './byPriority.js';
import { DropReport } from './DropReport.js';
import type { FairSink, FairSource, StatsTap } from './fairProtocol.js';
import type { LeafBound } from './LeafBound.js';

/**
 * @internal A flat stream queued in a tree built from `by`'s key paths, or, without `by`, in one FIFO; with a
 * `bound`, its leaves (or the FIFO) are bounded. It is the source's subscriber itself (a `Subscription` and an
 * `Observer`), so an error raised while the source emits synchronously unsubscribes it at once.
 *
 * One class for both, bounded or not: the bound costs a plain source one `null` check per queued event, none on the
 * way that dispatches at once, and the dispatcher's calls into its source see one class.
 */
export class FlatSource<T> extends Subscription implements FairSource<T>, Observer<T> {
  readonly queue: RoundRobinQueue<T, unknown> | PriorityQueue<T, unknown> | FifoQueue<T>;
  queued = 0;
  stats: StatsTap<T> | null = null;
  #completed = false;
  /** The drops of a bounded source, to report once the count is right again; `null` without a bound. */
  readonly #report: DropReport<T> | null;

  constructor(
    readonly source: Observable<T>,
    readonly sink: FairSink<T>,
    readonly by: ((value: T) => readonly unknown[]) | undefined,
    tree: RoundRobinQueueOptions<unknown, T>,
    bound: LeafBound<T> | undefined,
    readonly priority: ByPriority<T> | undefined,
    rates: readonly (RateLimit | undefined)[] | undefined,
  ) {
    super();
    const report = bound === undefined ? null : new DropReport(bound);
    this.#report = report;
    const pathBound = report === null ? undefined : report.queueOptions();
    const options = pathBound === undefined ? tree : { ...tree, pathBound };
    this.queue =
      priority !== undefined
        ? (priority._root(options, by !== undefined) as PriorityQueue<T, unknown>)
        : by !== undefined
          ? new RoundRobinQueue<T, unknown>(undefined, options)
          : pathBound === undefined
            ? new FifoQueue<T>()
            : new BoundedFifoQueue<T>(pathBound);
    if (by !== undefined && tree.pathCaps?.some((cap) => cap !== Infinity) === true) sink.track();
    // Rates per depth live on the root, and spend tokens on counted events (they switch counting on).
    rates?.find((rate) => rate !== undefined)?._paths(this.queue, rates, priority === undefined ? 0 : 1, sink);
  }

  sourcesDone(): boolean {
    return this.#completed;
  }

  start(): void {
    this.source.subscribe(this);
  }

  next(value: T): void {
    if (this.closed) return;
    const { by, sink, priority } = this;
    let path: readonly unknown[] | undefined;
    try {
      // With nothing queued and a slot free the event skips the tree, but its path is checked all the same.
      path = by === undefined ? undefined : checkPath(by(value), value);
      if (priority !== undefined) path = priority._path(value, path);
      if (this.queued === 0 && sink.offer(value)) return;
      if (path === undefined) (this.queue as FifoQueue<T>).push(value);
      else (this.queue as RoundRobinQueue<T, unknown>).push(path, value);
    } catch (err) {
      sink.error(err); // an OverflowError among them: nothing was queued
      return;
    }
    const report = this.#report;
    if (report === null) {
      this.queued++;
      if (this.stats !== null) this.stats.arrived(leafOf(this.queue, path));
    } else if (!report.pending) this.queued++;
    // A drop or a replacement keeps the count: one event left for the one that came (or it was refused).
    else if (!report.flush(value, sink)) return;
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

/** `by`'s answer for an event, checked as it arrives. */
function checkPath(path: unknown, value: unknown): readonly unknown[] {
  if (!Array.isArray(path) || path.length === 0) {
    throw new TypeError(
      `Expected \`by\` to return a non-empty array, got ${describeValue(path)} for ${describeValue(value)}`,
    );
  }
  return path;
}

/** The leaf an event with key path `path` was queued in (the FIFO itself without `by`). */
function leafOf<T>(
  queue: RoundRobinQueue<T, unknown> | PriorityQueue<T, unknown> | FifoQueue<T>,
  path: readonly unknown[] | undefined,
): FifoQueue<T> {
  if (path === undefined) return queue as FifoQueue<T>;
  let node = queue as RoundRobinQueue<T, unknown>;
  for (const key of path) node = node.get(key) as RoundRobinQueue<T, unknown>;
  return node as unknown as FifoQueue<T>;
}
