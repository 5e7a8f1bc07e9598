import { checkLimit, checkOptionsObject, checkPerKey, checkPositiveInteger, describeValue } from './checks.js';
import type { PerKey } from './RoundRobinQueueOptions.js';

export interface PriorityQueueOptions<K> {
  /**
   * Anti-starvation: while a level below the first ready one is ready, at least one dispatch in every `every` goes
   * to the levels below (round-robin over those that are ready, a level of weight w taking w such turns in a row).
   * A ready level then waits at most `every` × (1 + the weights of the other levels below the first) dispatches of
   * the node: `every` × (levels − 1) with weights 1. `Infinity` is strict priority: a level is served only while no
   * level above it is ready.
   * @default Infinity
   */
  readonly every?: number;
  /** Weights of the levels given to the constructor, by key: their turns in a row among guarded turns. */
  readonly weights?: PerKey<K, number>;
  /** Caps of the levels given to the constructor, by key (see {@link ChildOptions.cap}). */
  readonly caps?: PerKey<K, number>;
  /** This node's own cap (see {@link QueueNode.setCap}). @default Infinity */
  readonly cap?: number;
}

/** Throws unless `every` is an integer from 2 up, or Infinity (1 would serve the lower levels first). */
export function checkEvery(every: unknown, what = '`every`'): asserts every is number {
  if (typeof every !== 'number' || !(every === Infinity || (Number.isInteger(every) && every >= 2))) {
    throw new TypeError(`Expected ${what} to be an integer from 2 up, or Infinity, got ${describeValue(every)}`);
  }
}

/** @internal A `PriorityQueue`'s options, checked against the keys of the levels given, all before anything is set. */
export function checkPriorityOptions<K>(
  options: PriorityQueueOptions<K>,
  keys: ReadonlySet<K>,
): { weights: Map<K, number>; caps: Map<K, number>; cap: number | undefined; every: number } {
  checkOptionsObject(options);
  const weights = checkPerKey<K, number>(options.weights, keys, 'weights', checkPositiveInteger);
  const caps = checkPerKey<K, number>(options.caps, keys, 'caps', checkLimit);
  const { cap, every = Infinity } = options;
  if (cap !== undefined) checkLimit(cap);
  checkEvery(every);
  return { weights, caps, cap, every };
}
