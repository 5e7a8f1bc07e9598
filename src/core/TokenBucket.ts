import type { Clock } from './Clock.js';
import { extrasOf, type NodeExtras, type Spender } from './NodeExtras.js';
import type { QueueNode } from './QueueNode.js';
import type { RateHost } from './RateHost.js';

/** @internal A rate as a token bucket reads it (the reactive layer's `RateLimit`), at each spend. */
export interface TokenRate {
  /** The time one token takes to come back: `interval / limit`. */
  readonly _period: number;
  /** How far ahead of time the bucket may be spent: `(burst - 1) × interval / limit`. */
  readonly _tolerance: number;
  readonly clock: Clock;
}

/** Per host, the buckets with a pending wake-up, cancelled when the host tears down. */
const pending = new WeakMap<RateHost, Set<TokenBucket<never>>>();

/**
 * @internal One node's token bucket for a `RateLimit`, in the virtual-scheduling form of the generic cell rate
 * algorithm: one number, `#full`, the time at which the bucket is full again. Each event taken from below the node
 * spends a token; a node out of tokens is throttled (out of its parent's rotation, as at a cap) and woken when its next
 * token is due, at the back of the rotation. The `RateLimit` is read at each spend, so a change applies from the next.
 *
 * A bucket of a branch that `push` created (`auto`) is dropped once full, as a new one would be: until then the branch
 * is not pruned, so a key that empties and comes back finds its tokens spent.
 */
export class TokenBucket<T> implements Spender<T> {
  #full = -Infinity;
  #timer: { unsubscribe(): void } | null = null;

  constructor(
    readonly rate: TokenRate,
    readonly host: RateHost,
    readonly auto: boolean,
  ) {}

  /**
   * Spends a token (the node was not throttled, so one was there). `tell`: the node's parent already served it and
   * must be told that it is throttled; otherwise the parent is about to look.
   */
  spend(node: QueueNode<T>, tell = false): void {
    const now = this.rate.clock.now();
    const { _period: period, _tolerance: tolerance } = this.rate;
    this.#full = Math.max(this.#full, now) + period;
    const ext = node._extras as NodeExtras<T>;
    if (now < this.#full - tolerance) {
      ext.throttled = true;
      if (tell) node._parent?._childIdle(node);
    }
    // One wake-up at a time: when it comes, it looks again (spends meanwhile moved the times on).
    if (this.#timer === null && (ext.throttled || this.auto)) this.#arm(node, now);
  }

  /** Wakes the node when its next token is due (throttled) or, for a branch of `push`, when it is full again. */
  #arm(node: QueueNode<T>, now: number): void {
    const throttled = (node._extras as NodeExtras<T>).throttled;
    const at = throttled ? this.#full - this.rate._tolerance : this.#full;
    let buckets = pending.get(this.host);
    if (buckets === undefined) {
      const live = (buckets = new Set());
      pending.set(this.host, live);
      this.host.subscriber.add(() => {
        for (const bucket of live) bucket.#cancel();
      });
    }
    buckets.add(this as TokenBucket<never>);
    this.#timer = this.rate.clock.schedule(() => this.#wake(node), Math.max(0, at - now));
  }

  #wake(node: QueueNode<T>): void {
    this.#cancel();
    const ext = node._extras;
    if (ext === null || ext.bucket !== this) return; // replaced by another rate
    const now = this.rate.clock.now();
    const woke = ext.throttled && now >= this.#full - this.rate._tolerance;
    if (woke) ext.throttled = false;
    if (this.auto && now >= this.#full) {
      ext.bucket = null; // as a new one: the branch may be pruned now
      node._parent?._childIdle(node);
    } else if (ext.throttled || this.auto) this.#arm(node, now);
    if (woke) {
      node._parent?._childReady(node); // rejoins at the back
      this.host.arrived();
    }
  }

  /**
   * Gives `node` `bucket` (or none), dropping the one it had; a throttled node is let go at once (a new rate starts
   * with a full bucket).
   */
  static replace<T>(node: QueueNode<T>, bucket: TokenBucket<T> | null, host: RateHost): void {
    if (bucket === null && node._extras === null) return;
    const ext = extrasOf(node);
    const old = ext.bucket;
    if (old instanceof TokenBucket) old.#cancel();
    ext.bucket = bucket;
    if (ext.throttled) {
      ext.throttled = false;
      node._parent?._childReady(node);
      host.arrived();
    }
  }

  #cancel(): void {
    this.#timer?.unsubscribe();
    this.#timer = null;
    pending.get(this.host)?.delete(this as TokenBucket<never>);
  }
}
