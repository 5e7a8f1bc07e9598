import type { ObservableInput } from 'rxjs';
import type { QueueNode } from '../core/QueueNode.js';

/*
 * The protocol between the sources of events (a `roundRobin` tree's connection, a flat stream), the dispatcher that
 * pulls from them, and the live stats that watch it: interfaces only. It crosses copies of the library (see
 * brands.ts): change it only together with the brands' version.
 */

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

/** What runs one subscription of a fair operator: the sink of its sources, and what live stats watch. */
export interface FairDispatcher<T> extends FairSink<T>, StatsTarget<T> {
  source: FairSource<T>;
  /** A source just connected: tells it of the live stats (if any) before its sources are subscribed. */
  connected(source: FairSource<T>): FairSource<T>;
}
