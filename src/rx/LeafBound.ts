import type { Observer } from 'rxjs';
import { checkBound, type DropReason, type OverflowPolicy } from '../core/BoundedFifoQueueOptions.js';
import { checkOptionsObject, describeValue } from '../core/checks.js';

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
  checkOptionsObject(bound, `a bound${what} ({ size, overflow, dropped })`);
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
      `Expected \`dropped\`${what} to be a function or an Observer with \`next\`, got ${describeValue(dropped)}`,
    );
  }
  return bound as LeafBound<T>;
}
