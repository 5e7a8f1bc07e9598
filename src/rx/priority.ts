import type { Observable } from 'rxjs';
import { checkOptionsObject } from '../core/checks.js';
import { PriorityQueue } from '../core/PriorityQueue.js';
import { checkEvery } from '../core/PriorityQueueOptions.js';
import { RateLimited, type RateLimitedOptions } from './rateLimited.js';
import type { RoundRobinChildren } from './roundRobin.js';

export interface PriorityOptions<K, T = unknown> extends RateLimitedOptions<K, T> {
  /**
   * Anti-starvation: while a level below the first ready one is ready, at least one dispatch in every `every` goes
   * to the levels below (round-robin over those that are ready; a level of weight w takes w such turns in a row).
   * A ready level then waits at most `every` × (1 + the weights of the other levels below the first) dispatches of
   * this node: `every` × (levels − 1) with weights 1. `Infinity` is strict priority. See {@link Priority.setEvery}.
   * @default Infinity
   */
  readonly every?: number;
}

/**
 * A node whose children are priority levels, in the order given: it serves the first level with a ready event.
 * Returned by {@link priority}; see there. Every method of {@link RoundRobin} and {@link RateLimited} applies to its
 * levels (`add` appends the lowest level; a level's weight counts only in guarded turns, see
 * {@link PriorityOptions.every}).
 */
export class Priority<T, K = string> extends RateLimited<T, K> {
  #every: number;

  constructor(levels?: RoundRobinChildren<T, K>, options?: PriorityOptions<K, T>) {
    super(levels, checkPriorityOptions(options));
    this.#every = options?.every ?? Infinity;
  }

  /** Anti-starvation: at least one dispatch in every `every` goes to the levels below the first ready one. */
  get every(): number {
    return this.#every;
  }

  /**
   * Sets `every` at run time (`Infinity`: strict); the count of dispatches in a row starts afresh in every
   * subscription.
   */
  setEvery(every: number): this {
    checkEvery(every);
    this.#every = every;
    for (const mount of this._liveMounts) (mount.queue as PriorityQueue<T, K>).setEvery(every);
    return this;
  }

  /** @internal */
  override _queue(): PriorityQueue<T, K> {
    return new PriorityQueue<T, K>(undefined, { every: this.#every });
  }
}

/** Checks `every` before the rest of the options are (by `RoundRobin`), so that a bad one applies nothing. */
function checkPriorityOptions<K, T>(options: PriorityOptions<K, T> | undefined): PriorityOptions<K, T> | undefined {
  if (options === undefined) return undefined;
  checkOptionsObject(options);
  if (options.every !== undefined) checkEvery(options.every);
  return options;
}

/**
 * Creates a node whose children are priority levels, in the order given (a Record in key order, or a Map): it
 * serves the first level with a ready event (one queued, not paused, below its cap), so an urgent heal never waits
 * behind routine updates. Each level is any child: a Subject, or a `roundRobin` tree to be fair within the level.
 * It composes both ways: a `priority` node is the root, or a child of a `roundRobin` node (per-host priorities).
 *
 * Strict by default: a level waits while any level above it is ready. With `every: n` none starves: at least one
 * dispatch in n goes to the levels below the first ready one (see {@link PriorityOptions.every} for the bound).
 * `pause`, `resume`, `add` (the lowest level), `delete`, caps, weights, bounds, rate limits (`rates`, `rate`,
 * `setRate`, as for {@link rateLimited}) and `FairStats` work on levels as on any children. Spec: `marbles/priority.spec.ts`.
 *
 * @example
 * const host1 = priority({ urgent: heal1$, routine: roundRobin({ vm1, vm2 }) }, { every: 8 });
 * const cloud = roundRobin({ host1, host2 });
 * cloud.pipe(fairMergeMap((event) => act(event), 16)).subscribe();
 */
export function priority<T>(
  levels?: Readonly<Record<string, Observable<T>>>,
  options?: PriorityOptions<string, NoInfer<T>>,
): Priority<T, string>;
export function priority<T, K>(
  levels: ReadonlyMap<K, Observable<T>>,
  options?: PriorityOptions<K, NoInfer<T>>,
): Priority<T, K>;
export function priority<T, K>(levels?: RoundRobinChildren<T, K>, options?: PriorityOptions<K, T>): Priority<T, K> {
  return new Priority<T, K>(levels, options);
}
