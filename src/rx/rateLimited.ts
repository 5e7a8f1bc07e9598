import type { Observable } from 'rxjs';
import { checkOptionsObject, checkPerKey, checkRate, describeValue } from '../core/checks.js';
import type { QueueNode } from '../core/QueueNode.js';
import type { RateHost } from '../core/RateHost.js';
import { TokenBucket } from '../core/TokenBucket.js';
import type { Connection } from './Connection.js';
import type { Mount, Part } from './Mount.js';
import type { RateLimit } from './RateLimit.js';
import { RoundRobin, type AddOptions, type RoundRobinChildren, type RoundRobinOptions } from './roundRobin.js';

export interface RateLimitedOptions<K, T = unknown> extends RoundRobinOptions<K, T> {
  /**
   * Rate limits of children, by key (a Subject leaf included): each child gets a token bucket of its own in each
   * subscription. See {@link RateLimit} and {@link RateLimited.setRate}.
   */
  readonly rates?: ReadonlyMap<K, RateLimit> | Readonly<Record<string, RateLimit>>;
  /**
   * This node's own rate limit, wherever it sits. A node has one bucket: if its parent sets a rate for it too, the
   * parent's counts when subscribed, and afterwards the one set last.
   */
  readonly rate?: RateLimit;
}

/** How a child joins a rate-limited node with `add`: as for `roundRobin`, plus its rate limit. */
export interface RateLimitedAddOptions<T> extends AddOptions<T> {
  /** The child's rate limit (see {@link RateLimitedOptions.rates}). */
  readonly rate?: RateLimit;
}

/**
 * A `roundRobin` node whose children (and itself) may have rate limits. Returned by {@link rateLimited}; see there.
 * `priority` nodes are rate-limited nodes too.
 */
export class RateLimited<T, K = string> extends RoundRobin<T, K> {
  /** Its own rate. */
  #rate: RateLimit | undefined;
  /** Its children's rates. */
  readonly #rates: Map<K, RateLimit>;
  /** The node's live instances (`RoundRobin`'s set, which each one leaves when it stops); empty until the first. */
  #mounts: ReadonlySet<Mount<T, K>> = new Set();

  constructor(children?: RoundRobinChildren<T, K>, options?: RateLimitedOptions<K, T>) {
    const rates = checkRates(children, options);
    super(children, options);
    this.#rates = rates;
    this.#rate = options?.rate;
  }

  /**
   * Limits how many events below this node (`setRate(rate)`), or below one child (`setRate('vm1', rate)`, a Subject
   * leaf included), are dispatched per interval, in every subscription; `undefined` removes the limit. A new rate starts
   * with a full bucket. To change a rate for every node that has it, use `RateLimit.set`.
   */
  setRate(rate: RateLimit | undefined): this;
  setRate(key: K, rate: RateLimit | undefined): this;
  setRate(...args: [RateLimit | undefined] | [K, RateLimit | undefined]): this {
    if (args.length === 1) {
      const [rate] = args;
      if (rate !== undefined) checkRate(rate, '`rate`');
      this.#rate = rate;
      for (const mount of [...this._liveMounts]) limitQueue(mount.conn, mount.queue, rate);
      return this;
    }
    const [key, rate] = args;
    if (!this.has(key)) throw new Error(`Cannot setRate key ${describeValue(key)}: no such child`);
    if (rate !== undefined) checkRate(rate, '`rate`');
    if (rate === undefined) this.#rates.delete(key);
    else this.#rates.set(key, rate);
    for (const mount of [...this._liveMounts]) limitQueue(mount.conn, (mount.parts.get(key) as Part<T>).queue, rate);
    return this;
  }

  /** This node's own rate limit, or with a key the one set for that child; `undefined`: none. */
  rateOf(key?: K): RateLimit | undefined {
    if (arguments.length === 0) return this.#rate;
    if (!this.has(key as K)) throw new Error(`Cannot rateOf key ${describeValue(key)}: no such child`);
    return this.#rates.get(key as K);
  }

  /**
   * Adds a child as `roundRobin`'s `add` does, with its rate limit. The rate applies once the child is subscribed:
   * events a synchronous source emits during `add` may be dispatched before it.
   */
  override add(key: K, child: Observable<T>, options?: RateLimitedAddOptions<T>): this {
    const rate = options?.rate;
    if (rate !== undefined) checkRate(rate, '`rate`');
    super.add(key, child, options);
    if (rate !== undefined) this.setRate(key, rate);
    return this;
  }

  override delete(key: K): T[] {
    const events = super.delete(key);
    this.#rates.delete(key);
    return events;
  }

  /** @internal The node's live instances, one per subscription (and per place it sits in a subscribed tree). */
  get _liveMounts(): ReadonlySet<Mount<T, K>> {
    return this.#mounts;
  }

  /** @internal Mounts the node, then sets the rates: its children's after their own (the parent's counts). */
  override _mount(conn: Connection<T>): Mount<T, K> {
    const mount = super._mount(conn);
    this.#mounts = mount.registry;
    if (this.#rate !== undefined) limitQueue(conn, mount.queue, this.#rate);
    for (const [key, rate] of this.#rates) limitQueue(conn, (mount.parts.get(key) as Part<T>).queue, rate);
    return mount;
  }
}

/** Gives a node of `conn`'s tree a rate's bucket, or none; buckets spend on counted events, so counting goes on. */
function limitQueue<T>(conn: Connection<T>, queue: QueueNode<T>, rate: RateLimit | undefined): void {
  const host = conn.sink as unknown as RateHost;
  if (rate === undefined) {
    TokenBucket.replace(queue, null, host);
    return;
  }
  if (!conn.tracking) {
    conn.tracking = true;
    conn.sink.track();
  }
  rate._apply(queue, host);
}

/** Checks `rates` and `rate` against the children given, before anything is set. */
function checkRates<T, K>(
  children: RoundRobinChildren<T, K> | undefined,
  options: RateLimitedOptions<K, T> | undefined,
): Map<K, RateLimit> {
  if (options === undefined) return new Map();
  checkOptionsObject(options);
  const keys = new Set(
    (children === undefined ? [] : children instanceof Map ? [...children.keys()] : Object.keys(children)) as K[],
  );
  const rates = checkPerKey<K, RateLimit>(options.rates, keys, 'rates', checkRate);
  if (options.rate !== undefined) checkRate(options.rate, '`rate`');
  return rates;
}

/**
 * Creates a `roundRobin` node whose children (and itself) may have rate limits (see {@link RateLimit}): a child out of
 * tokens leaves the rotation, as at its cap, and rejoins at the back when its next token is due; the others keep every
 * free slot busy. Everything else is `roundRobin`'s. Spec: `marbles/rateLimit.spec.ts`.
 *
 * A node kind of its own rather than options of `roundRobin`, so that a bundle without rate limits leaves them out.
 *
 * @example
 * const perVm = new RateLimit({ limit: 2, interval: 1000 });
 * const host1 = rateLimited({ vm1, vm2 }, { rates: { vm1: perVm, vm2: perVm }, rate: new RateLimit({ limit: 3, interval: 1000 }) });
 * roundRobin({ host1, host2 }).pipe(fairMergeMap(act, 16)).subscribe();
 */
export function rateLimited<T>(
  children?: Readonly<Record<string, Observable<T>>>,
  options?: RateLimitedOptions<string, NoInfer<T>>,
): RateLimited<T, string>;
export function rateLimited<T, K>(
  children: ReadonlyMap<K, Observable<T>>,
  options?: RateLimitedOptions<K, NoInfer<T>>,
): RateLimited<T, K>;
export function rateLimited<T, K>(
  children?: RoundRobinChildren<T, K>,
  options?: RateLimitedOptions<K, T>,
): RateLimited<T, K> {
  return new RateLimited<T, K>(children, options);
}
