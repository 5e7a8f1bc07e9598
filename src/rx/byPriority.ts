import { BoundedFifoQueue } from '../core/BoundedFifoQueue.js';
import { checkArray, checkFunction, checkOptionsObject, describeValue } from '../core/checks.js';
import { FifoQueue } from '../core/FifoQueue.js';
import { PriorityQueue } from '../core/PriorityQueue.js';
import { checkEvery } from '../core/PriorityQueueOptions.js';
import type { QueueNode } from '../core/QueueNode.js';
import { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import type { RoundRobinQueueOptions } from '../core/RoundRobinQueueOptions.js';

/** Options of {@link byPriority}. */
export interface ByPriorityOptions {
  /**
   * Anti-starvation, as a `priority` node's (see {@link PriorityOptions.every}): at least one dispatch in every
   * `every` goes to the levels below the first ready one while one of them is ready.
   * @default Infinity
   */
  readonly every?: number;
}

/**
 * Priority levels for `fairMergeMap`'s `priority` option, made by {@link byPriority}: the levels in order and each
 * event's level.
 */
export interface ByPriority<T, L = unknown> {
  /** The levels, first served first. */
  readonly levels: readonly L[];
  /** See {@link ByPriorityOptions.every}. */
  readonly every: number;
  /**
   * @internal The root of one subscription's tree: a priority node over a level per key (a `by` tree, or a FIFO).
   * Typed without `T` (the caller knows it): an options type must accept any `ByPriority` as `ByPriority<never>`.
   */
  _root(tree: RoundRobinQueueOptions<unknown, never>, by: boolean): PriorityQueue<unknown, unknown>;
  /** @internal The key path of `value` in the root: its level, then its `by` path. */
  _path(value: T, path: readonly unknown[] | undefined): unknown[];
}

/**
 * Priority levels for `fairMergeMap(project, { by, priority: byPriority(levels, level) })`: the operator's tree gets
 * a priority node at its root with one level per key of `levels` (first served first), and `level(event)` says which
 * one an event goes to. Each level holds a `by` tree of its own (without `by`, a FIFO), so events are fair by key
 * path within their level, and an urgent event waits for no routine one.
 *
 * The level sits **above** the key path: it says how urgent an event is for the whole system, so an urgent heal of a
 * quiet host overtakes the routine backlog of every host, not only its own host's. (Per-host priorities are a
 * `priority` node per host in a `roundRobin` tree.) So caps and weights per depth apply within each level: a host's
 * branch in the urgent level and its branch in the routine level are capped separately.
 *
 * A function of its own rather than a plain option: a bundle that never uses priorities leaves their code out.
 *
 * @example
 * events$.pipe(fairMergeMap(act, {
 *   concurrency: 16,
 *   by: (e) => [e.host, e.vm],
 *   priority: byPriority(['urgent', 'routine'], (e) => (e.action === 'heal' ? 'urgent' : 'routine'), { every: 8 }),
 * }));
 */
export function byPriority<T, L>(
  levels: readonly L[],
  level: (value: T) => L,
  options: ByPriorityOptions = {},
): ByPriority<T, L> {
  checkArray(levels, '`levels`');
  if (levels.length === 0) throw new TypeError('Expected `levels` to be a non-empty array, got []');
  if (new Set(levels).size !== levels.length) {
    throw new TypeError(`Expected \`levels\` to be distinct, got ${describeValue(levels)}`);
  }
  checkFunction(level, '`level`');
  checkOptionsObject(options);
  const { every = Infinity } = options;
  checkEvery(every);
  const known = new Set<unknown>(levels);
  const list = [...levels];
  return {
    levels: list,
    every,
    _root(given, by) {
      const tree = given as RoundRobinQueueOptions<unknown, T>;
      const bound = tree.pathBound;
      const children = new Map<unknown, QueueNode<T>>();
      for (const key of list) {
        children.set(
          key,
          by
            ? new RoundRobinQueue<T, unknown>(undefined, tree)
            : bound === undefined
              ? new FifoQueue<T>()
              : new BoundedFifoQueue<T>(bound),
        );
      }
      return new PriorityQueue<T, unknown>(children, { every }) as PriorityQueue<unknown, unknown>;
    },
    _path(value, path) {
      const at = level(value);
      if (!known.has(at)) {
        throw new TypeError(
          `Expected \`priority\`'s level to be one of ${describeValue(list)}, got ${describeValue(at)} for ${describeValue(value)}`,
        );
      }
      return path === undefined ? [at] : [at, ...path];
    },
  };
}
