/* The snapshots of `FairStats`: what a fair operator did in a window, and what it holds now. Types only. */
import type { WaitPercentiles } from '../core/WaitSketch.js';

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
    /** Waits of every event dispatched in the window; `null` when none was timed. */
    readonly wait: WaitPercentiles | null;
  };
  /**
   * The top-level keys: those in the tree, in its key order, then those that dispatched in the window and have left
   * the tree since.
   */
  readonly keys: readonly FairKeyStats[];
  /**
   * Jain's fairness index over the busy keys, (Σx)² / (n·Σx²) with x = dispatched / weight: 1 when every busy
   * key got the same share of dispatches (in proportion to its weight), 1/n when one got them all. 1 when none
   * got any; `null` when no key was busy.
   */
  readonly fairness: number | null;
}
