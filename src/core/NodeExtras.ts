import type { BranchOptions } from './BranchOptions.js';
import type { QueueNode } from './QueueNode.js';

/**
 * @internal What a node needs only once it has a weight other than 1, a cap, or counted events (or, for a
 * `RoundRobinQueue`, options for the branches `push` creates). Allocated on first use and kept: a wide tree of plain
 * nodes carries one `null` field each instead.
 */
export class NodeExtras<T> {
  /** Turns in a row the parent serves the node before it goes to the back (weighted round-robin). */
  weight = 1;
  /** Turns used of `weight` while at the front of the parent's rotation; 0 everywhere else. */
  turnsUsed = 0;
  /** The most counted events below the node at once; at it, the node leaves its parent's rotation. */
  cap = Infinity;
  /** Events taken from below the node with `take()` and not yet released (the public `active`). */
  counted = 0;
  /** The leaf of the event the node's most recent `take()` handed out. */
  lastTaken: QueueNode<T> | null = null;
  /** How `RoundRobinQueue.push` sets up the branches it creates below the node; `null`: weight 1, no caps. */
  branches: BranchOptions | null = null;
  /**
   * Told of every event taken from below the node with `take()`: its token bucket (a rate limit), or on the root of a
   * `by` tree the rates of its branches. `null`: none, and nothing is scheduled.
   */
  bucket: Spender<T> | null = null;
  /** Out of tokens: out of the rotation as if at its cap, until its bucket wakes it. */
  throttled = false;
}

/**
 * @internal The node's extras, allocated on first use, its ancestors' first: a node without extras has none below
 * it (see {@link QueueNode._extras}).
 */
export function extrasOf<T>(node: QueueNode<T>): NodeExtras<T> {
  const extras = node._extras;
  if (extras !== null) return extras;
  if (node._parent !== null) extrasOf(node._parent);
  return (node._extras = new NodeExtras<T>());
}

/** @internal What a node's `bucket` is: told of each event taken from below the node, right after the take. */
export interface Spender<T> {
  spend(node: QueueNode<T>): void;
}
