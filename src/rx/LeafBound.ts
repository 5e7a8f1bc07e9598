import type { Observer } from 'rxjs';
import {
  checkBound,
  type BoundedFifoQueueOptions,
  type DropReason,
  type OverflowPolicy,
} from '../core/BoundedFifoQueue.js';
import { describeKey } from '../core/QueueNode.js';
import type { FairSink } from './dispatchInternals.js';

/** An event that left a bounded leaf without being dispatched, as reported on a bound's `dropped`. */
export interface Dropped<T> {
  /** The event dropped or replaced. */
  readonly event: T;
  /**
   * The policy that dropped it: the oldest queued event (`'drop-oldest'`), the arriving one (`'drop-newest'`), or
   * the queued one replaced (`'latest'`).
   */
  readonly reason: DropReason;
  /**
   * The leaf's key path: with `by`, the event's path; in a `roundRobin` tree, the keys from the node subscribed
   * (or piped into `fairMergeMap`) down to the leaf (`['heal']` for a leaf of that node itself); `[]` for the
   * FIFO of `fairMergeMap` without `by`.
   */
  readonly path: readonly unknown[];
  /** With `'latest'`: the event that took its place. */
  readonly replacedBy?: T;
}

/**
 * A bound on a leaf: it queues at most `size` events, and `overflow` says what one more does (see
 * {@link OverflowPolicy}). Events dispatched at once (nothing queued, a slot free) never meet the bound.
 */
export interface LeafBound<T> {
  /**
   * The most events the leaf queues, paused or not; a positive integer. Required, except with `'latest'` (1).
   * @default 1 with `'latest'`
   */
  readonly size?: number;
  /** `'error'` errors the output with an `OverflowError`; the others drop or replace an event and report it. */
  readonly overflow: OverflowPolicy;
  /**
   * Where dropped and replaced events are reported (a Subject, any Observer, or a function); only `next` is called.
   * Required unless `overflow` is `'error'`: nothing is ever dropped silently. A throw from it errors the output.
   */
  readonly dropped?: Partial<Observer<Dropped<T>>> | ((dropped: Dropped<T>) => void);
}

/** @internal Checks a bound where it enters (`what` names it in the message: `' of key "heal"'`); TypeError if bad. */
export function checkLeafBound<T>(bound: unknown, what: string): LeafBound<T> {
  if (bound === null || typeof bound !== 'object')
    throw new TypeError(`Expected a bound${what} ({ size, overflow, dropped }), got ${describeKey(bound)}`);
  const { size, overflow, dropped } = bound as LeafBound<T>;
  checkBound(size, overflow, what);
  if (dropped === undefined) {
    if (overflow !== 'error')
      throw new TypeError(`Expected \`dropped\`${what} with overflow '${overflow}': nothing is dropped silently`);
  } else if (
    typeof dropped !== 'function' &&
    (dropped === null || typeof dropped !== 'object' || typeof dropped.next !== 'function')
  ) {
    throw new TypeError(
      `Expected \`dropped\`${what} to be a function or an Observer with \`next\`, got ${describeKey(dropped)}`,
    );
  }
  return bound as LeafBound<T>;
}

/**
 * @internal The drop reporting of one bounded leaf (or of every leaf of a `by` tree) in one subscription. The
 * queue's `onDrop` only notes the drop; the source reports it once its count of queued events is right again, so
 * a `dropped` observer that reacts (completes a source, deletes a child) sees a consistent stream.
 */
export class DropReport<T> {
  #pending = false;
  #event: T | undefined = undefined;
  #reason: DropReason = 'drop-oldest';
  #path: readonly unknown[] = [];

  constructor(readonly bound: LeafBound<T>) {}

  /** The options of the bounded queues this report serves. */
  queueOptions(): BoundedFifoQueueOptions<T> {
    const { size, overflow } = this.bound;
    return {
      size,
      overflow,
      onDrop: (event, reason, path) => {
        this.#pending = true;
        this.#event = event;
        this.#reason = reason;
        this.#path = path;
      },
    };
  }

  /** Whether the last push dropped or replaced an event (it is still to be reported). */
  get pending(): boolean {
    return this.#pending;
  }

  /** Reports the drop the push of `arrived` caused. Returns false if `dropped` threw: the output errored. */
  flush(arrived: T, sink: FairSink<T>): boolean {
    this.#pending = false;
    const event = this.#event as T;
    this.#event = undefined;
    const reason = this.#reason;
    const dropped: Dropped<T> =
      reason === 'latest'
        ? { event, reason, path: this.#path, replacedBy: arrived }
        : { event, reason, path: this.#path };
    const to = this.bound.dropped as Partial<Observer<Dropped<T>>> | ((dropped: Dropped<T>) => void);
    try {
      if (typeof to === 'function') to(dropped);
      else (to as Observer<Dropped<T>>).next(dropped);
    } catch (err) {
      sink.error(err);
      return false;
    }
    return true;
  }
}
