import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { checkOptionsObject, checkPositiveInteger, describeValue } from '../core/checks.js';
import { extrasOf } from '../core/NodeExtras.js';
import { PathRates } from '../core/PathRates.js';
import type { QueueNode } from '../core/QueueNode.js';
import type { RateHost } from '../core/RateHost.js';
import { TokenBucket } from '../core/TokenBucket.js';

/** What a {@link RateLimit} is made of. */
export interface RateLimitOptions {
  /** Tokens per `interval`: in the long run, dispatches per `interval`. */
  readonly limit: number;
  /** The time `limit` is for, in the scheduler's unit (milliseconds for RxJS's schedulers; frames in marble tests). */
  readonly interval: number;
  /**
   * The most tokens a bucket holds: dispatches in a row after a quiet spell.
   * @default limit
   */
  readonly burst?: number;
  /**
   * The clock of the buckets: `now()`, and `schedule` to wake a throttled node when its next token is due. In
   * `TestScheduler.run`, `asyncScheduler` runs in virtual time, so marble tests are exact either way.
   * @default asyncScheduler (or, in `set`, the scheduler it had)
   */
  readonly scheduler?: SchedulerLike;
}

/**
 * A rate limit for nodes and leaves: each one it is given to gets a token bucket of its own (per subscription),
 * `burst` tokens that refill one every `interval / limit`. Every dispatch from below the node spends one; a node out of
 * tokens leaves its parent's rotation, as at a cap, and rejoins at the back when its next token is due, while the others
 * keep the free slots busy (work-conserving). So in any span of time `t` the node dispatches at most
 * `burst + ⌊t × limit / interval⌋` events: `limit` per `interval` in the long run.
 *
 * Give it to `fairMergeMap` with `by` (`rates`, per depth), or to the nodes that take rates (`rateLimited`, `priority`:
 * `rate`, `rates`, `add(key, child, { rate })`, `setRate`). One `RateLimit` may serve any number of nodes; `set` changes
 * it for all of them at run time. Without one, nothing is ever scheduled. A class of its own: a bundle that never
 * builds one leaves rate limiting out.
 *
 * @example
 * const perHost = new RateLimit({ limit: 5, interval: 1000 }); // 5 per second, bursts of 5
 * events$.pipe(fairMergeMap(act, { concurrency: 16, by: (e) => [e.host, e.vm], rates: [perHost] }));
 * perHost.set({ limit: 10, interval: 1000 }); // at run time
 */
export class RateLimit {
  #limit = 1;
  #interval = 1;
  #burst = 1;
  #scheduler: SchedulerLike = asyncScheduler;

  constructor(options: RateLimitOptions) {
    this.set(options);
  }

  get limit(): number {
    return this.#limit;
  }

  get interval(): number {
    return this.#interval;
  }

  get burst(): number {
    return this.#burst;
  }

  get scheduler(): SchedulerLike {
    return this.#scheduler;
  }

  /**
   * Changes the rate for every node that has it, from each one's next dispatch (a node throttled now is woken at the
   * latest when its next token was due under the old rate, then goes by the new one). All options are checked before
   * any is set.
   */
  set(options: RateLimitOptions): this {
    checkOptionsObject(options);
    const { limit, interval, burst = limit, scheduler = this.#scheduler } = options;
    checkPositiveInteger(limit, '`limit`');
    if (typeof interval !== 'number' || !(interval > 0) || interval === Infinity) {
      throw new TypeError(`Expected \`interval\` to be a positive finite number, got ${describeValue(interval)}`);
    }
    checkPositiveInteger(burst, '`burst`');
    const clock = scheduler as Partial<SchedulerLike> | null;
    if (typeof clock?.now !== 'function' || typeof clock.schedule !== 'function') {
      throw new TypeError(`Expected \`scheduler\` to be a SchedulerLike, got ${describeValue(scheduler)}`);
    }
    this.#limit = limit;
    this.#interval = interval;
    this.#burst = burst;
    this.#scheduler = scheduler;
    return this;
  }

  /** @internal */
  get clock(): SchedulerLike {
    return this.#scheduler;
  }

  /** @internal Gives `node` a new, full bucket of this rate; a throttled node is let go at once. */
  _apply<T>(node: QueueNode<T>, host: RateHost): void {
    TokenBucket.replace(node, new TokenBucket<T>(this, host, null), host);
  }

  /**
   * @internal Gives the branches that `push` creates below `root` the rates of their depth, `from` levels down being
   * depth 0; `rates` includes this one.
   */
  _paths<T>(
    root: QueueNode<T>,
    rates: readonly (RateLimit | undefined)[],
    from: number,
    sink: { track(): void },
  ): void {
    sink.track();
    extrasOf(root).bucket = new PathRates<T>(rates, from, sink as unknown as RateHost);
  }
}
