import type { Observable } from 'rxjs';
import type { PriorityQueue } from '../core/PriorityQueue.js';
import type { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import type { Connection } from './Connection.js';
import { Leaf } from './Leaf.js';
import type { LeafBound } from './LeafBound.js';
import { RoundRobin } from './roundRobin.js';

/** @internal What a child is in one subscription: a leaf's subscription, or a nested node's instance. */
export type Part<T> = Leaf<T> | Mount<T, unknown>;

/**
 * @internal A node's instance in one subscription: its core node (a `RoundRobinQueue`, or a `PriorityQueue` for a
 * `priority` node), and the live part for each child.
 */
export class Mount<T, K> {
  readonly parts = new Map<K, Part<T>>();
  /** Its own cap and the one its parent sets for it; `null` while neither is set. */
  #caps: { own: number; slot: number } | null = null;

  constructor(
    readonly conn: Connection<T>,
    /** The node's set of live mounts, left when this one stops. */
    readonly registry: Set<Mount<T, K>>,
    readonly queue: RoundRobinQueue<T, K> | PriorityQueue<T, K>,
  ) {}

  /** The node's own cap. */
  setOwnCap(cap: number): void {
    if (this.#caps === null && cap === Infinity) return;
    (this.#caps ??= { own: Infinity, slot: Infinity }).own = cap;
    this.#applyCaps(this.#caps);
  }

  /** The cap its parent sets for it. */
  setSlotCap(cap: number): void {
    if (this.#caps === null && cap === Infinity) return;
    (this.#caps ??= { own: Infinity, slot: Infinity }).slot = cap;
    this.#applyCaps(this.#caps);
  }

  /** Both its own cap and the one its parent sets apply: the lower one counts. */
  #applyCaps(caps: { own: number; slot: number }): void {
    this.conn.setCapOf(this.queue, Math.min(caps.own, caps.slot));
  }

  /** Mounts a child; with a weight other than 1, a cap or paused, it is set up before it joins the rotation. */
  attach(
    key: K,
    child: Observable<T>,
    weight: number,
    slotCap: number,
    paused: boolean,
    bound?: LeafBound<T>,
  ): Part<T> {
    const part =
      child instanceof RoundRobin
        ? (child as RoundRobin<T, unknown>)._mount(this.conn)
        : new Leaf(child, this.conn, bound);
    this.parts.set(key, part);
    if (weight === 1) this.queue.add(key, part.queue);
    else this.queue.add(key, part.queue, { weight });
    if (slotCap !== Infinity) part.setSlotCap(slotCap);
    if (paused) this.queue.pause(key);
    return part;
  }

  detach(key: K): T[] {
    const part = this.parts.get(key) as Part<T>;
    this.parts.delete(key);
    part.stop();
    return this.queue.delete(key);
  }

  /** Subscribes the leaves below it. */
  start(): void {
    for (const part of this.parts.values()) part.start();
  }

  /** Unsubscribes the leaves below it, and leaves the node's live mounts. */
  stop(): void {
    this.registry.delete(this);
    for (const part of this.parts.values()) part.stop();
  }
}
