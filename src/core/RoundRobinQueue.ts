import { FifoQueue } from './FifoQueue.js';
import { QueueNode, describeKey, type ParentNode } from './QueueNode.js';

/** The children of a node: a Map (any keys, in its order) or a plain object (string keys, in key order). */
export type QueueChildren<T, K> = ReadonlyMap<K, QueueNode<T>> | Readonly<Record<string, QueueNode<T>>>;

/**
 * A round-robin node over keyed children, each a `FifoQueue` or another `RoundRobinQueue` (the seed's
 * `RoundRobin`). `next()` asks the child at the front of the rotation for one event; that child goes to the
 * back if it still holds events. Only ready children (non-empty, not paused) are in the rotation, and a child
 * tells its parent when that changes, so a pick costs O(depth) however many children exist or are empty, and a
 * push O(1) unless it turns a branch ready.
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
  readonly #children = new Map<K, QueueNode<T>>();
  /** Front of the rotation, a circular list of the ready children; `null` when none is ready. */
  #head: QueueNode<T> | null = null;

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

  /**
   * Events queued below this node, paused ones included. Counted on demand over the subtree (no counter is kept
   * on the hot path); loops should test `ready`, which is O(1).
   */
  get size(): number {
    let size = 0;
    for (const child of this.#children.values()) size += child.size;
    return size;
  }

  get ready(): boolean {
    return this.#head !== null;
  }

  has(key: K): boolean {
    return this.#children.has(key);
  }

  /** The child at `key`, or `undefined`. */
  get(key: K): QueueNode<T> | undefined {
    return this.#children.get(key);
  }

  /** The children's keys, in the order they were added. */
  keys(): IterableIterator<K> {
    return this.#children.keys();
  }

  isPaused(key: K): boolean {
    return this.#childAt(key, 'isPaused')._paused;
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
    const child = this.#childAt(key, 'delete');
    const events: T[] = [];
    child._drainInto(events);
    const wasReady = this.#head !== null;
    this.#children.delete(key);
    if (child._linked) this.#unlink(child);
    child._parent = null;
    child._paused = child._auto = false;
    this.#tellIdle(wasReady);
    return events;
  }

  /** Takes a child out of the rotation; its events stay queued until `resume`. */
  pause(key: K): this {
    const child = this.#childAt(key, 'pause');
    if (child._paused) return this;
    const wasReady = this.#head !== null;
    child._paused = true;
    if (child._linked) this.#unlink(child);
    this.#tellIdle(wasReady);
    return this;
  }

  /** Puts a paused child back; if it holds events it joins the back of the rotation. */
  resume(key: K): this {
    const child = this.#childAt(key, 'resume');
    if (!child._paused) return this;
    child._paused = false;
    if (child.ready) this._childReady(child);
    else this._childIdle(child);
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
      const child = node.#children.get(path[depth]);
      if (child === undefined) break;
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
    this.#tellIdle(true);
    return item;
  }

  /** @internal */
  _take(): T {
    const child = this.#head as QueueNode<T>;
    const item = child._take();
    if (child.ready) this.#head = child._next; // served: to the back of the rotation
    else {
      this.#unlink(child);
      this.#forgetIfPrunable(child);
    }
    return item;
  }

  /** @internal */
  _childReady(child: QueueNode<T>): void {
    if (child._paused || child._linked) return;
    const wasIdle = this.#head === null;
    this.#link(child);
    if (wasIdle && this._parent !== null) this._parent._childReady(this);
  }

  /** @internal */
  _childIdle(child: QueueNode<T>): void {
    const wasReady = this.#head !== null;
    if (child._linked && !child.ready) this.#unlink(child);
    this.#forgetIfPrunable(child);
    this.#tellIdle(wasReady);
  }

  /** @internal */
  _drainInto(out: T[]): void {
    for (const child of this.#children.values()) {
      child._drainInto(out);
      child._linked = false;
      if (child._auto && !child._paused) {
        this.#children.delete(child._key as K);
        child._parent = null;
      }
    }
    this.#head = null;
  }

  /** @internal */
  _prunable(): boolean {
    return this.#children.size === 0;
  }

  #checkChild(key: K, child: unknown): asserts child is QueueNode<T> {
    if (!(child instanceof QueueNode)) {
      throw new TypeError(`Expected a FifoQueue or RoundRobinQueue at key ${describeKey(key)}, got ${describeKey(child)}`);
    }
    if (this.#children.has(key)) throw new Error(`Key ${describeKey(key)} is already in this node`);
    if (child._parent !== null) throw new Error(`The queue given at key ${describeKey(key)} already has a parent`);
    for (let node: unknown = this; node !== null; node = (node as QueueNode<T>)._parent) {
      if (node === child) throw new Error(`The node given at key ${describeKey(key)} would contain itself`);
    }
  }

  #attach(key: K, child: QueueNode<T>, auto: boolean): void {
    child._parent = this;
    child._key = key;
    child._auto = auto;
    child._paused = child._linked = false;
    this.#children.set(key, child);
    if (child.ready) this._childReady(child);
  }

  #childAt(key: K, method: string): QueueNode<T> {
    const child = this.#children.get(key);
    if (child === undefined) throw new Error(`Cannot ${method} key ${describeKey(key)}: no such child`);
    return child;
  }

  /** Forgets a child created by `push` once it holds nothing and is not paused. */
  #forgetIfPrunable(child: QueueNode<T>): void {
    if (child._auto && !child._paused && !child._linked && child._prunable()) {
      this.#children.delete(child._key as K);
      child._parent = null;
    }
  }

  /**
   * Tells the parent, if any, that this node turned idle (it was ready) or, created by `push`, has no children
   * left and may be forgotten.
   */
  #tellIdle(wasReady: boolean): void {
    const parent = this._parent;
    if (parent === null) return;
    if ((wasReady && this.#head === null) || (this._auto && this.#children.size === 0)) parent._childIdle(this);
  }

  /** Joins the back of the rotation (just before the front). */
  #link(child: QueueNode<T>): void {
    const head = this.#head;
    child._linked = true;
    if (head === null) {
      child._prev = child._next = child;
      this.#head = child;
      return;
    }
    const tail = head._prev;
    child._prev = tail;
    child._next = head;
    tail._next = child;
    head._prev = child;
  }

  #unlink(child: QueueNode<T>): void {
    child._linked = false;
    if (child._next === child) {
      this.#head = null;
      return;
    }
    child._prev._next = child._next;
    child._next._prev = child._prev;
    if (this.#head === child) this.#head = child._next;
    child._prev = child._next = child;
  }
}

function pathError(path: readonly unknown[], depth: number, what: string): TypeError {
  return new TypeError(`Key path ${describeKey(path)}: ${describeKey(path.slice(0, depth + 1))} ${what}`);
}
