import { from, type ObservableInput, type Subscriber } from 'rxjs';
import type { QueueNode } from '../core/QueueNode.js';
import type { FairDispatcher, FairSource, Project, StatsTap } from './fairProtocol.js';
import { CountedInnerSubscriber, InnerSubscriber } from './InnerSubscriber.js';

/**
 * Runs one subscription of a fair operator where every event takes one slot: pulls the next event from the source's
 * tree only when one of `concurrency` slots is free, projects it (or, with `project === null`, emits it), and
 * completes once the sources completed, nothing is queued and every projection completed. It counts nothing per
 * event unless the tree has caps or stats are live. `CostDispatcher` is its twin for `cost`.
 */
export class Dispatcher<T, R> implements FairDispatcher<T> {
  source!: FairSource<T>;
  /** Projections subscribed and not yet completed. */
  active = 0;
  /** Index handed to `project`, counting every event dispatched so far. */
  #index = 0;
  /** Set while the pull loop runs: re-entrant calls leave the work to it, so the stack never grows. */
  #pumping = false;
  /** Set while events are counted on their path (`take`/`release`): the tree has caps, or stats are live. */
  #tracking = false;
  /** Set by `track()`: the tree has caps, and events are counted for good. */
  #capped = false;
  /** The live stats' hooks, or `null`. */
  #stats: StatsTap<T> | null = null;

  constructor(
    readonly subscriber: Subscriber<R>,
    readonly project: Project<T, R> | null,
    readonly concurrency: number,
  ) {}

  offer(value: T): boolean {
    // With caps the event must be counted on its path: it goes through the tree.
    if (this.#pumping || this.active >= this.concurrency || this.subscriber.closed || this.#tracking) return false;
    this.#pumping = true;
    try {
      this.#dispatch(value, null);
    } finally {
      this.#pumping = false;
    }
    this.#pump(); // whatever the dispatch queued meanwhile, and the completion check
    return true;
  }

  arrived(): void {
    // With every slot busy there is nothing to pull, and nothing can complete: leave it to the next completion.
    if (this.active < this.concurrency) this.#pump();
  }

  error(err: unknown): void {
    this.subscriber.error(err);
  }

  track(): void {
    this.#capped = this.#tracking = true;
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
    this.#tracking = tap !== null || this.#capped;
    if (this.source !== undefined) this.source.stats = tap;
  }

  check(): void {
    if (!this.#pumping && this.active === 0 && this.source.queued === 0 && this.source.sourcesDone()) {
      this.subscriber.complete();
    }
  }

  /** A projection completed. (One whose event was counted released its leaf first.) */
  innerComplete(): void {
    this.active--;
    this.#pump();
  }

  /** Promise fast path: a settled projection emits its value and frees its slot, with no Observable around it. */
  readonly #resolved = (value: R): void => {
    if (this.subscriber.closed) return;
    this.subscriber.next(value);
    this.innerComplete();
  };

  readonly #rejected = (err: unknown): void => {
    this.subscriber.error(err);
  };

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const { subscriber, source } = this;
    const queue = source.queue;
    try {
      while (this.active < this.concurrency && queue.ready && !subscriber.closed) {
        const tracking = this.#tracking;
        const value = (tracking ? queue.take() : queue.next()) as T;
        source.queued--;
        this.#dispatch(value, tracking ? this.#taken(queue) : null);
      }
    } finally {
      this.#pumping = false;
    }
    this.check();
  }

  /**
   * The leaf of a counted event just taken, told to the live stats. Its own method: the plain loop in `#pump` stays
   * small (V8 inlines it into `offer` by size).
   */
  #taken(queue: QueueNode<T>): QueueNode<T> {
    const leaf = queue.lastTaken as QueueNode<T>;
    if (this.#stats !== null) this.#stats.dispatched(leaf);
    return leaf;
  }

  /** Emits or projects an event; `leaf` is where it was counted as active (released once done), or `null`. */
  #dispatch(value: T, leaf: QueueNode<unknown> | null): void {
    if (this.project !== null) {
      this.#start(value, leaf);
      return;
    }
    this.subscriber.next(value as unknown as R);
    leaf?.release(); // emitted is done: nothing stays active
  }

  /** Projects an event; `leaf` is where it was counted as active, `null` when it was not. */
  #start(value: T, leaf: QueueNode<unknown> | null): void {
    const { subscriber } = this;
    this.active++;
    let input: ObservableInput<R>;
    try {
      input = (this.project as Project<T, R>)(value, this.#index++);
    } catch (err) {
      subscriber.error(err);
      return;
    }
    if (input instanceof Promise) {
      if (leaf === null) (input as Promise<R>).then(this.#resolved, this.#rejected);
      else this.#thenRelease(input as Promise<R>, leaf);
      return;
    }
    // Linked to the output before subscribing: an unsubscribe during a synchronous inner stops it at once.
    const inner = leaf === null ? new InnerSubscriber<R>(this) : new CountedInnerSubscriber<R>(this, leaf);
    subscriber.add(inner);
    try {
      from(input).subscribe(inner);
    } catch (err) {
      subscriber.error(err); // not an ObservableInput
    }
  }

  /**
   * A counted event's Promise: once settled it must release its leaf, so it needs its own callback. Kept out of
   * `#start`: a closure there would make every call allocate a context, counted or not.
   */
  #thenRelease(input: Promise<R>, leaf: QueueNode<unknown>): void {
    const resolved = (result: R): void => {
      if (this.subscriber.closed) return;
      this.subscriber.next(result);
      leaf.release();
      this.innerComplete();
    };
    input.then(resolved, this.#rejected);
  }
}
