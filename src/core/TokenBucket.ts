import type { Clock } from './Clock.js';
import { extrasOf, type NodeExtras, type Spender } from './NodeExtras.js';
import type { QueueNode } from './QueueNode.js';
import type { RateHost } from './RateHost.js';

/** @internal A rate as a token bucket reads it (the reactive layer's `RateLimit`), at each spend. */
export interface TokenRate {
  readonly limit: number;
  readonly interval: number;
  readonly burst: number;
  readonly clock: Clock;
}

/** Per host, the buckets with a pending wake-up, cancelled when the host tears down. */
const pending = new WeakMap<RateHost, Set<TokenBucket<never>>>();

/** @internal Where a bucket of a branch that `push` created reports that it is empty and not full: `PathRates`. */
export interface Lingering<T> {
  linger(node: QueueNode<T>, bucket: TokenBucket<T>): void;
}

/**
 * @internal One node's token bucket for a `RateLimit`, in the virtual-scheduling form of the generic cell rate
 * algorithm: one number, `#full`, the time at which the bucket is full again, kept multiplied by `limit` so that with
 * whole times, intervals and limits every comparison is exact (`interval / limit` is not rounded); wake-ups are rounded
 * up to whole time units for the same reason. Each event taken from below the node spends a token; a node out of
 * tokens is throttled (out of its parent's rotation, as at a cap) and woken when its next token is due, at the back of
 * the rotation. The `RateLimit` is read at each spend, so a change applies from the next.
 *
 * A bucket of a branch that `push` created (`owner` set) is dropped once full, as a new one would be: until then the
 * branch is not pruned, so a key that empties and comes back finds its tokens spent. An empty branch waits for that in
 * its owner's list, which one wake-up at a time sweeps: no timer per branch.
 */
export class TokenBucket<T> implements Spender<T> {
  /** (The time the bucket is full again) × `#scale`. */
  #full = -Infinity;
  /** The `limit` `#full` is multiplied by (the rate may change). */
  #scale = 1;
  /** The wake-up of a throttled node. */
  #timer: { unsubscribe(): void } | null = null;

  constructor(
    readonly rate: TokenRate,
    readonly host: RateHost,
    readonly owner: Lingering<T> | null,
  ) {}

  /**
   * Spends a token (the node was not throttled, so one was there). `tell`: the node's parent already served it and
   * must be told that it is throttled; otherwise the parent is about to look.
   */
  spend(node: QueueNode<T>, tell = false): void {
    const now = this.rate.clock.now();
    const limit = this.#rescale();
    this.#full = Math.max(this.#full, now * limit) + this.rate.interval;
    const ext = node._extras as NodeExtras<T>;
    if (!this.has(now)) {
      ext.throttled = true;
      if (tell) node._parent?._childIdle(node);
      if (this.#timer === null) this.#arm(node, now);
    } else if (this.owner !== null && !node._readyBelow) this.owner.linger(node, this);
  }

  /** Whether a token is there at `now` (compared multiplied by `limit`: exact). */
  has(now: number): boolean {
    const { interval, burst } = this.rate;
    return now * this.#rescale() >= this.#full - (burst - 1) * interval;
  }

  /** Whether the bucket is full at `now`. */
  full(now: number): boolean {
    return now * this.#rescale() >= this.#full;
  }

  /** When the bucket is full again. */
  fullAt(): number {
    return this.#full / this.#rescale();
  }

  /** The current `limit`, `#full` rescaled to it if it changed. */
  #rescale(): number {
    const limit = this.rate.limit;
    if (limit !== this.#scale) {
      this.#full = (this.#full / this.#scale) * limit;
      this.#scale = limit;
    }
    return limit;
  }

  /** Wakes the throttled node when its next token is due. */
  #arm(node: QueueNode<T>, now: number): void {
    const { interval, burst } = this.rate;
    const at = (this.#full - (burst - 1) * interval) / this.#rescale();
    let buckets = pending.get(this.host);
    if (buckets === undefined) {
      const live = (buckets = new Set());
      pending.set(this.host, live);
      this.host.subscriber.add(() => {
        for (const bucket of live) bucket.#cancel();
      });
    }
    buckets.add(this as TokenBucket<never>);
    this.#timer = this.rate.clock.schedule(() => this.#wake(node), Math.max(0, Math.ceil(at - now)));
  }

  #wake(node: QueueNode<T>): void {
    this.#cancel();
    const ext = node._extras;
    if (ext === null || ext.bucket !== this || !ext.throttled) return; // replaced by another rate
    const now = this.rate.clock.now();
    if (!this.has(now)) {
      this.#arm(node, now); // the rate changed meanwhile
      return;
    }
    ext.throttled = false;
    node._parent?._childReady(node); // rejoins at the back
    if (this.owner !== null && !node._readyBelow) this.owner.linger(node, this);
    this.host.arrived();
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
