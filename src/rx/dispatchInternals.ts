import { Subscription, from, type ObservableInput, type Observer, type Subscriber } from 'rxjs';
import { describeKey, type QueueNode } from '../core/QueueNode.js';

/** What a source of events tells the dispatcher. */
export interface FairSink<T> {
  /**
   * An event arrived while nothing is queued: dispatches it at once if a slot is free (what queueing it and
   * pulling it straight back would do, minus the work). Returns false if the source must queue it instead.
   */
  offer(value: T): boolean;
  /** Events were queued: pull while slots are free. */
  arrived(): void;
  /** A source failed. */
  error(err: unknown): void;
  /**
   * The source's tree has caps, from now on and for good: events are then taken with `take()` and released when
   * their projection completes, so that each capped node counts its active events. Until then (the default)
   * nothing is counted per event.
   */
  track(): void;
  /** Something that may end the stream happened (a source completed, a child was deleted). */
  check(): void;
}

/**
 * What a live `FairStats` is told, only while one of its `snapshots` subscriptions is live (`null` otherwise, so
 * the plain path pays one null check per event).
 */
export interface StatsTap<T> {
  /** An event was queued in `leaf` (a `FifoQueue` of the source's tree). */
  arrived(leaf: QueueNode<T>): void;
  /** An event was taken from `leaf` with `take()` (counted until its projection completes). */
  dispatched(leaf: QueueNode<T>): void;
}

/** What a `FairStats` sees of the operator subscription it watches. */
export interface StatsTarget<T> {
  /** The source's tree (a `RoundRobinQueue`), or its FIFO. */
  readonly queue: QueueNode<T>;
  /** Events queued in `queue`, paused ones included. */
  readonly queued: number;
  /** Projections subscribed and not yet completed. */
  readonly active: number;
  /** Switches the stats' hooks on (a tap) or off (`null`). */
  tap(tap: StatsTap<T> | null): void;
}

/** A `FairStats` as the dispatcher knows it: it watches one operator subscription at a time. */
export interface StatsHost<T> {
  /** Starts watching `target`; throws if it already watches another subscription. */
  _attach(target: StatsTarget<T>): void;
  /** Stops watching `target` (its subscription ended). */
  _detach(target: StatsTarget<T>): void;
}

/** A subscribed source of events that queues them in a fair tree instead of emitting them. */
export interface FairSource<T> {
  /** Where the backlog waits; the dispatcher pulls from it in rotation order. */
  readonly queue: QueueNode<T>;
  /** Events in `queue`, paused ones included: raised by the source as it queues, lowered by the dispatcher. */
  queued: number;
  /** Told of every event the source queues while stats are live; `null` otherwise. */
  stats: StatsTap<T> | null;
  /** Whether every source has completed (more may still be queued). */
  sourcesDone(): boolean;
  /** Subscribes the sources. Called once the dispatcher is wired, since sources may emit synchronously. */
  start(): void;
  unsubscribe(): void;
}

export type Project<T, R> = (value: T, index: number) => ObservableInput<R>;

/*
 * What crosses between copies of the library (its ESM and CJS builds, two installs of it) is recognised by registered
 * symbols, never by `instanceof`: each copy has its own classes. The number in a brand's description is the version
 * of the protocol spoken across (FairSink, FairSource and the QueueNode methods the dispatcher pulls with; StatsHost,
 * StatsTarget and StatsTap): bump it on any incompatible change, so that copies speaking different ones never connect.
 * A brand is an own property of the value (set by its constructor), in every version: `hasBrand` looks nowhere else.
 */

/**
 * @internal A `roundRobin` node's brand. Its value is the node's connect function (called with the node as `this`),
 * so a tree is always mounted by the copy that built it, and only the FairSink/FairSource protocol crosses.
 */
export const FAIR_NODE: unique symbol = /* @__PURE__ */ Symbol.for('rxjs-fair/roundRobin@1');

/** @internal A `FairStats`'s brand; its value is the stats object itself, as the dispatcher talks to it. */
export const FAIR_STATS: unique symbol = /* @__PURE__ */ Symbol.for('rxjs-fair/FairStats@1');

/** @internal A value recognised by {@link FAIR_NODE}. */
export interface FairNode<T> {
  readonly [FAIR_NODE]: (this: unknown, sink: FairSink<T>) => FairSource<T>;
}

/** @internal A value recognised by {@link FAIR_STATS}. */
export interface FairStatsBrand {
  readonly [FAIR_STATS]: StatsHost<unknown>;
}

/**
 * @internal Whether `value` carries a brand of the family `name` (`'roundRobin'`) of any protocol version, this one
 * included. Not for the hot path: it lists the value's own symbols.
 */
export function hasBrand(value: unknown, name: string): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const prefix = `rxjs-fair/${name}@`;
  for (const key of Object.getOwnPropertySymbols(value))
    if (Symbol.keyFor(key)?.startsWith(prefix) === true) return true;
  return false;
}

/**
 * @internal How a fair consumer connects to `source` if it is a `roundRobin` node, of this copy or of another one
 * speaking the same protocol; `undefined` for any other Observable. A node of an incompatible version is an error:
 * pulled as a plain stream it would silently dispatch first-in first-out.
 */
export function connectFairNode<T>(source: object): ((sink: FairSink<T>) => FairSource<T>) | undefined {
  const connect = (source as Partial<FairNode<T>>)[FAIR_NODE];
  if (typeof connect === 'function') return (sink) => connect.call(source, sink);
  if (hasBrand(source, 'roundRobin')) {
    throw new TypeError(
      'Cannot pull from a roundRobin node built by an incompatible version of rxjs-fair: pipe it into the fairMergeMap of the copy that built it',
    );
  }
  return undefined;
}

/**
 * @internal The stats object `fairMergeMap` was given (`options.stats`), from this copy or another one speaking the
 * same protocol; a TypeError for anything else.
 */
export function statsHostOf(stats: unknown): StatsHost<unknown> {
  const host = stats !== null && typeof stats === 'object' ? (stats as Partial<FairStatsBrand>)[FAIR_STATS] : undefined;
  if (host !== undefined && host !== null && typeof host._attach === 'function' && typeof host._detach === 'function')
    return host;
  if (hasBrand(stats, 'FairStats')) {
    throw new TypeError(
      'Expected `stats` to be a FairStats of a compatible copy of rxjs-fair: this one was built by an incompatible version',
    );
  }
  throw new TypeError(`Expected \`stats\` to be a FairStats, got ${describeKey(stats)}`);
}

/**
 * Runs one subscription of a fair operator: pulls the next event from the source's tree only when one of
 * `concurrency` slots is free, subscribes its projection, and completes once the sources completed, the
 * tree is empty and every projection completed. With `project === null` events are emitted as they are
 * pulled (a `roundRobin` node subscribed directly).
 *
 * Tears down with `subscriber`.
 */
export function dispatch<T, R>(
  subscriber: Subscriber<R>,
  connect: (sink: FairSink<T>) => FairSource<T>,
  project: Project<T, R> | null,
  concurrency: number,
  stats?: StatsHost<unknown>,
): void {
  runDispatcher(subscriber, connect, new Dispatcher<T, R>(subscriber, project, concurrency), stats);
}

/** What runs one subscription of a fair operator: the sink of its sources, and what live stats watch. */
export interface FairDispatcher<T> extends FairSink<T>, StatsTarget<T> {
  source: FairSource<T>;
  /** A source just connected: tells it of the live stats (if any) before its sources are subscribed. */
  connected(source: FairSource<T>): FairSource<T>;
}

/**
 * Connects a dispatcher to its source, watched by `stats` if given, and starts the sources. Tears down with
 * `subscriber`.
 */
export function runDispatcher<T>(
  subscriber: Subscriber<unknown>,
  connect: (sink: FairSink<T>) => FairSource<T>,
  dispatcher: FairDispatcher<T>,
  stats?: StatsHost<unknown>,
): void {
  if (stats !== undefined) {
    stats._attach(dispatcher); // throws (erroring the output) before anything is subscribed if it is taken
    subscriber.add(() => stats._detach(dispatcher));
  }
  const source = stats === undefined ? connect(dispatcher) : dispatcher.connected(connect(dispatcher));
  dispatcher.source = source;
  // Linked before the sources are subscribed: a synchronous source stops as soon as the output closes.
  subscriber.add(() => source.unsubscribe());
  source.start();
  dispatcher.check();
}

class Dispatcher<T, R> implements FairDispatcher<T> {
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
   * as small as it was (V8 inlines it into `offer` by size).
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

/** A projection's subscriber. Being a `Subscription` and an `Observer`, RxJS uses it as is, not wrapped. */
class InnerSubscriber<R> extends Subscription implements Observer<R> {
  constructor(readonly dispatcher: { readonly subscriber: Subscriber<R>; innerComplete(): void }) {
    super();
  }

  next(value: R): void {
    if (!this.closed) this.dispatcher.subscriber.next(value);
  }

  error(err: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.dispatcher.subscriber.error(err);
  }

  complete(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.dispatcher.innerComplete();
  }
}

/** The subscriber of a projection whose event was counted as active (the tree has caps): releases its leaf. */
class CountedInnerSubscriber<R> extends InnerSubscriber<R> {
  constructor(
    dispatcher: { readonly subscriber: Subscriber<R>; innerComplete(): void },
    /** Where its event was counted as active. */
    readonly leaf: QueueNode<unknown>,
  ) {
    super(dispatcher);
  }

  override complete(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.leaf.release();
    this.dispatcher.innerComplete();
  }
}
