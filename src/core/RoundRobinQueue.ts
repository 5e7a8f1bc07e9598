import { FifoQueue } from './FifoQueue.js';
import { QueueNode, Slot, describeKey, type ParentNode } from './QueueNode.js';

/** The children of a node: a Map (any keys, in its order) or a plain object (string keys, in key order). */
export type QueueChildren<T, K> = ReadonlyMap<K, QueueNode<T>> | Readonly<Record<string, QueueNode<T>>>;

/**
 * A round-robin node over keyed children, each a `FifoQueue` or another `RoundRobinQueue` (the seed's
 * `RoundRobin`). `next()` asks the child at the front of the rotation for one event; that child goes to the
 * back if it still holds events. Only ready children (non-empty, not paused) are in the rotation, and a child
 * tells its parent when that changes, so a pick costs O(depth) however many children exist or are empty.
 *
 * @example
 * const q = new RoundRobinQueue<string>({
 *   pol1: new FifoQueue(['healing', 'healing again']),
 *   pol2: new FifoQueue(['scaling out']),
 * });
 * q.next(); // 'healing'
 * q.next(); // 'scaling out'
 * q.next(); // 'healing again'
 * q.next(); // undefined
 */
export class RoundRobinQueue<T, K = string> extends QueueNode<T> implements ParentNode<T> {
  /** Every child by key, in the order they were added. */
  readonly #slots = new Map<K, Slot<T>>();
  /** Front of the rotation, a circular list of the ready children; `null` when none is ready. */
  #head: Slot<T> | null = null;
  /** Events queued below this node, paused ones included. */
  #size = 0;

  constructor(children?: QueueChildren<T, K>) {
    super();
    if (children === undefined) return;
    const entries = (children instanceof Map ? [...children] : Object.entries(children)) as [K, unknown][];
    // Check everything before attaching anything: a constructor that throws must leave no child claimed.
    const seen = new Set<unknown>();
    for (const [key, child] of entries) {
      this.#checkChild(key, child);
      if (seen.has(child)) throw new Error(`The same queue is given twice (at key ${describeKey(key)})`);
      seen.add(child);
    }
    for (const [key, child] of entries) this.#attach(key, child as QueueNode<T>, false);
  }

  get size(): number {
    return this.#size;
  }

  get ready(): boolean {
    return this.#head !== null;
  }

  has(key: K): boolean {
    return this.#slots.has(key);
  }

  /** The child at `key`, or `undefined`. */
  get(key: K): QueueNode<T> | undefined {
    return this.#slots.get(key)?.child;
  }

  /** The children's keys, in the order they were added. */
  keys(): IterableIterator<K> {
    return this.#slots.keys();
  }

  isPaused(key: K): boolean {
    return this.#slotOf(key, 'isPaused').paused;
  }

  /** Adds a child; if it holds events it joins the back of the rotation. */
  add(key: K, child: QueueNode<T>): this {
    this.#checkChild(key, child);
    this.#attach(key, child, false);
    return this;
  }

  /**
   * Removes a child and returns the events still queued below it (paused ones included; in key order, each
   * leaf oldest first). The child is left empty, so nothing is handed out twice.
   */
  delete(key: K): T[] {
    const slot = this.#slotOf(key, 'delete');
    const events: T[] = [];
    slot.child._drainInto(events);
    const wasReady = this.#head !== null;
    this.#slots.delete(key);
    if (slot.linked) this.#unlink(slot);
    slot.child._slot = null;
    this.#size -= events.length;
    this.#tellParent(-events.length, wasReady);
    return events;
  }

  /** Takes a child out of the rotation; its events stay queued until `resume`. */
  pause(key: K): this {
    const slot = this.#slotOf(key, 'pause');
    if (slot.paused) return this;
    const wasReady = this.#head !== null;
    slot.paused = true;
    if (slot.linked) this.#unlink(slot);
    this.#tellParent(0, wasReady);
    return this;
  }

  /** Puts a paused child back; if it holds events it joins the back of the rotation. */
  resume(key: K): this {
    const slot = this.#slotOf(key, 'resume');
    if (!slot.paused) return this;
    const wasReady = this.#head !== null;
    slot.paused = false;
    this.#settle(slot);
    this.#tellParent(0, wasReady);
    return this;
  }

  /**
   * Queues an event under a key path, creating the nodes and the leaf it names (`['compute1', 'vm1', 'heal']`).
   * Nodes and leaves created this way are removed again once they are empty and not paused, so memory follows
   * what is queued, not how many keys were ever seen.
   */
  push(path: readonly unknown[], item: T): void {
    if (!Array.isArray(path) || path.length === 0) {
      throw new TypeError(`Expected a non-empty array as key path, got ${describeKey(path)}`);
    }
    const last = path.length - 1;
    // Walk the part of the path that exists, checking its shape before anything changes.
    let node = this as RoundRobinQueue<T, unknown>;
    let depth = 0;
    for (; depth <= last; depth++) {
      const slot = node.#slots.get(path[depth]);
      if (slot === undefined) break;
      const child = slot.child;
      if (depth === last) {
        if (!(child instanceof FifoQueue)) throw pathError(path, depth, 'is a node, not a queue: the path is too short');
        child.push(item);
        return;
      }
      if (!(child instanceof RoundRobinQueue)) throw pathError(path, depth, 'is a queue, not a node: the path is too long');
      node = child;
    }
    // Build the missing part bottom-up, already holding the event, then hang it in with one attach.
    let branch: QueueNode<T> = new FifoQueue<T>();
    (branch as FifoQueue<T>).push(item);
    for (let d = last; d > depth; d--) {
      const parent = new RoundRobinQueue<T, unknown>();
      parent.#attach(path[d], branch, true);
      branch = parent;
    }
    node.#attach(path[depth], branch, true);
  }

  next(): T | undefined {
    if (this.#head === null) return undefined;
    const item = this._take();
    this.#tellParent(-1, true);
    return item;
  }

  /** @internal */
  _take(): T {
    const slot = this.#head as Slot<T>;
    const item = slot.child._take();
    this.#size--;
    if (slot.child.ready) this.#head = slot.next; // served: to the back of the rotation
    else this.#settle(slot);
    return item;
  }

  /** @internal */
  _childChanged(slot: Slot<T>, delta: number): void {
    const wasReady = this.#head !== null;
    this.#size += delta;
    this.#settle(slot);
    this.#tellParent(delta, wasReady);
  }

  /** @internal */
  _drainInto(out: T[]): void {
    for (const slot of this.#slots.values()) {
      slot.child._drainInto(out);
      slot.linked = false;
      if (slot.auto && !slot.paused) {
        this.#slots.delete(slot.key as K);
        slot.child._slot = null;
      }
    }
    this.#head = null;
    this.#size = 0;
  }

  /** @internal */
  _prunable(): boolean {
    return this.#slots.size === 0;
  }

  #checkChild(key: K, child: unknown): asserts child is QueueNode<T> {
    if (!(child instanceof QueueNode)) {
      throw new TypeError(`Expected a FifoQueue or RoundRobinQueue at key ${describeKey(key)}, got ${describeKey(child)}`);
    }
    if (this.#slots.has(key)) throw new Error(`Key ${describeKey(key)} is already in this node`);
    if (child._slot !== null) throw new Error(`The queue given at key ${describeKey(key)} already has a parent`);
    for (let node: QueueNode<T> | undefined = this; node !== undefined; node = node._slot?.parent as QueueNode<T> | undefined) {
      if (node === child) throw new Error(`The node given at key ${describeKey(key)} would contain itself`);
    }
  }

  #attach(key: K, child: QueueNode<T>, auto: boolean): void {
    const slot = new Slot<T>(key, child, this, auto);
    this.#slots.set(key, slot);
    child._slot = slot;
    if (child.size > 0) this._childChanged(slot, child.size);
  }

  #slotOf(key: K, method: string): Slot<T> {
    const slot = this.#slots.get(key);
    if (slot === undefined) throw new Error(`Cannot ${method} key ${describeKey(key)}: no such child`);
    return slot;
  }

  /** Puts a child in or out of the rotation after a change, and forgets an auto-created child once empty. */
  #settle(slot: Slot<T>): void {
    if (slot.paused) return;
    if (slot.child.ready) {
      if (!slot.linked) this.#link(slot);
      return;
    }
    if (slot.linked) this.#unlink(slot);
    if (slot.auto && slot.child._prunable()) {
      this.#slots.delete(slot.key as K);
      slot.child._slot = null;
    }
  }

  /**
   * Tells the parent, if any, that this node's size changed by `delta`, its readiness flipped, or, created by
   * `push`, it has no children left and may be pruned.
   */
  #tellParent(delta: number, wasReady: boolean): void {
    const slot = this._slot;
    if (slot === null) return;
    if (delta !== 0 || wasReady !== (this.#head !== null) || (slot.auto && this.#slots.size === 0)) {
      slot.parent._childChanged(slot, delta);
    }
  }

  /** Joins the back of the rotation (just before the front). */
  #link(slot: Slot<T>): void {
    const head = this.#head;
    slot.linked = true;
    if (head === null) {
      slot.prev = slot.next = slot;
      this.#head = slot;
      return;
    }
    const tail = head.prev;
    slot.prev = tail;
    slot.next = head;
    tail.next = slot;
    head.prev = slot;
  }

  #unlink(slot: Slot<T>): void {
    slot.linked = false;
    if (slot.next === slot) {
      this.#head = null;
      return;
    }
    slot.prev.next = slot.next;
    slot.next.prev = slot.prev;
    if (this.#head === slot) this.#head = slot.next;
    slot.prev = slot.next = slot;
  }
}

function pathError(path: readonly unknown[], depth: number, what: string): TypeError {
  return new TypeError(`Key path ${describeKey(path)}: ${describeKey(path.slice(0, depth + 1))} ${what}`);
}
