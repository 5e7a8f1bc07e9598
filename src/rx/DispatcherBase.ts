import type { Subscriber } from 'rxjs';
import type { QueueNode } from '../core/QueueNode.js';
import type { FairDispatcher, FairSource, Project, StatsTap } from './fairProtocol.js';

/**
 * What the dispatchers (`Dispatcher`, and `CostDispatcher` for `cost`) share: their state, and everything they do
 * off the per-event path (errors, caps, live stats). The pull loop and the
 * start of a projection (`offer`, `arrived`, `check`, `innerComplete` and what they call) stay in each subclass:
 * a method written here is one function for both classes, so its property loads would see both shapes in a process
 * that uses both, and the per-event ones must keep seeing one.
 */
export abstract class DispatcherBase<T, R> implements FairDispatcher<T> {
  source!: FairSource<T>;
  /** Projections subscribed and not yet completed. */
  active = 0;
  /** Index handed to `project`, counting every event dispatched so far. */
  protected index = 0;
  /** Set while the pull loop runs: re-entrant calls leave the work to it, so the stack never grows. */
  protected pumping = false;
  /** Set while events are counted on their path (`take`/`release`): the tree has caps, or stats are live. */
  protected tracking = false;
  /** Set by `track()`: the tree has caps, and events are counted for good. */
  #capped = false;
  /** The live stats' hooks, or `null`. */
  #stats: StatsTap<T> | null = null;

  constructor(
    readonly subscriber: Subscriber<R>,
    readonly project: Project<T, R> | null,
    readonly concurrency: number,
  ) {}

  abstract offer(value: T): boolean;
  abstract arrived(): void;
  abstract check(): void;

  error(err: unknown): void {
    this.subscriber.error(err);
  }

  track(): void {
    this.#capped = this.tracking = true;
  }

  connected(source: FairSource<T>): FairSource<T> {
    source.stats = this.#stats;
    return source;
  }

  get queue(): QueueNode<T> {
    return this.source.queue;
  }

  get queued(): number {
    return this.source.queued;
  }

  /**
   * Live stats count events on their path (so each node knows its active ones) and learn which leaf each event
   * left; off, events are counted only if the tree has caps. Events counted meanwhile are released all the same.
   */
  tap(tap: StatsTap<T> | null): void {
    this.#stats = tap;
    this.tracking = tap !== null || this.#capped;
    if (this.source !== undefined) this.source.stats = tap;
  }

  /**
   * The leaf of a counted event just taken, told to the live stats. Its own method: the plain loops of the pumps
   * stay small (V8 inlines them by size).
   */
  protected taken(queue: QueueNode<T>): QueueNode<T> {
    const leaf = queue.lastTaken as QueueNode<T>;
    if (this.#stats !== null) this.#stats.dispatched(leaf);
    return leaf;
  }

  /** A Promise projection rejected. */
  protected readonly rejected = (err: unknown): void => {
    this.subscriber.error(err);
  };
}
