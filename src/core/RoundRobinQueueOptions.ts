import { Bound, type BoundedFifoQueueOptions } from './BoundedFifoQueueOptions.js';
import type { BranchOptions } from './BranchOptions.js';
import {
  checkFunction,
  checkLimit,
  checkLimits,
  checkNonNegativeInteger,
  checkOptionsObject,
  checkPerKey,
  checkPositiveInteger,
} from './checks.js';
import type { QueueNode } from './QueueNode.js';

/** The children of a node: a Map (any keys, in its order) or a plain object (string keys, in key order). */
export type QueueChildren<T, K> = ReadonlyMap<K, QueueNode<T>> | Readonly<Record<string, QueueNode<T>>>;

/** A number per child key: a Map, or a plain object for string keys. */
export type PerKey<K, V> = ReadonlyMap<K, V> | Readonly<Record<string, V>>;

/** How a child sits in its node: given to `add`, or per key to the constructor. */
export interface ChildOptions {
  /**
   * Turns in a row the child gets each time it is at the front of the rotation (weighted round-robin).
   * @default 1
   */
  readonly weight?: number;
  /**
   * The most events below the child active at once (counted by `take`/`release`); at it, the child leaves the
   * rotation until one is released. Sets the child's own cap (`child.setCap`).
   * @default the child's own cap, Infinity unless set
   */
  readonly cap?: number;
}

export interface RoundRobinQueueOptions<K, T = unknown> {
  /** Weights of the children given to the constructor, by key (see {@link ChildOptions.weight}). */
  readonly weights?: PerKey<K, number>;
  /** Caps of the children given to the constructor, by key (see {@link ChildOptions.cap}). */
  readonly caps?: PerKey<K, number>;
  /** This node's own cap (see {@link QueueNode.setCap}). @default Infinity */
  readonly cap?: number;
  /**
   * For the nodes and leaves that `push(path, …)` creates below this node, `depth` 0 being its children: the
   * weight of the one at `path[depth]`, asked once when it is created (so again after it was pruned, or when it
   * is reused from `spares`).
   * @default () => 1
   */
  readonly pathWeight?: (path: readonly unknown[], depth: number) => number;
  /** For the nodes and leaves that `push` creates: the cap at each depth (`[2, 1]`: 2 per host, 1 per VM). */
  readonly pathCaps?: readonly number[];
  /**
   * For the leaves that `push(path, …)` creates: each is a {@link BoundedFifoQueue} with these options (one
   * `onDrop` for all of them; its `path` argument tells them apart). A full leaf applies the policy on `push`.
   * @default unbounded leaves
   */
  readonly pathBound?: BoundedFifoQueueOptions<T>;
  /**
   * How many emptied branches of those `push` creates this node keeps for reuse (least recently emptied go first).
   * A kept branch is hidden from `has`, `get`, `keys`, `size` and every other method, as if pruned, and is reused
   * when `push` names it again: for key paths that come back in bursts, where building them anew each time is the
   * cost. It keeps its first place in key order. A reused branch is as one built anew: each node has the cap of its
   * depth in `pathCaps` and its weight from `pathWeight` (asked again) or 1, each leaf is bounded by `pathBound`,
   * empty. A kept leaf keeps its ring buffer if it has at most 1,024 slots (a larger one goes as it empties), so a
   * burst that comes back finds it grown: at most 8 KB a leaf.
   * @default 0: pruned at once
   */
  readonly spares?: number;
}

/** Checks the options of `add` (`RoundRobinQueue`'s, and `roundRobin`'s, which extend them). */
export function checkChildOptions<O extends ChildOptions>(options: O): O {
  checkOptionsObject(options);
  if (options.weight !== undefined) checkPositiveInteger(options.weight);
  if (options.cap !== undefined) checkLimit(options.cap);
  return options;
}

/** @internal A `RoundRobinQueue`'s options, checked. */
export interface CheckedQueueOptions<K> {
  readonly weights: Map<K, number>;
  readonly caps: Map<K, number>;
  readonly cap: number | undefined;
  /** `null` when the branches `push` creates are plain (weight 1, no caps, unbounded). */
  readonly branches: BranchOptions | null;
  readonly spares: number;
}

/**
 * @internal Checks a `RoundRobinQueue`'s options against the keys of the children given, all of them before anything
 * is set: a constructor that throws must leave no child claimed.
 */
export function checkQueueOptions<K, T>(
  options: RoundRobinQueueOptions<K, T>,
  keys: ReadonlySet<K>,
): CheckedQueueOptions<K> {
  checkOptionsObject(options);
  const weights = checkPerKey<K, number>(options.weights, keys, 'weights', checkPositiveInteger);
  const caps = checkPerKey<K, number>(options.caps, keys, 'caps', checkLimit);
  const { cap, pathWeight, pathCaps, pathBound, spares = 0 } = options;
  if (cap !== undefined) checkLimit(cap);
  if (pathWeight !== undefined) checkFunction(pathWeight, '`pathWeight`');
  if (pathCaps !== undefined) checkLimits(pathCaps, 'pathCaps');
  const bound = pathBound === undefined ? undefined : Bound.check(pathBound);
  checkNonNegativeInteger(spares, '`spares`');
  // Kept only when it changes something: `push` then builds branches exactly as without options.
  const branches =
    pathWeight !== undefined ||
    pathBound !== undefined ||
    (pathCaps !== undefined && pathCaps.some((limit) => limit !== Infinity))
      ? { weight: pathWeight, caps: pathCaps === undefined ? undefined : [...pathCaps], bound: bound as Bound<never> }
      : null;
  return { weights, caps, cap, branches, spares };
}
