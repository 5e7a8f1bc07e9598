import { QueueNode, extrasOf, type NodeExtras } from './QueueNode.js';
import { RingBuffer } from './RingBuffer.js';

/**
 * A first-in first-out queue of events: the leaf of a fair tree (the seed's `VmStateQueue`, one per VM
 * policy). Backed by a ring buffer, so a backlog of any length costs O(1) per push and per `next()`.
 *
 * @example
 * const q = new FifoQueue(['healing']);
 * q.push('scaling out');
 * q.next(); // 'healing'
 * q.next(); // 'scaling out'
 * q.next(); // undefined
 */
export class FifoQueue<T> extends QueueNode<T> {
  readonly #items: RingBuffer<T>;

  constructor(items?: Iterable<T>) {
    super();
    this.#items = new RingBuffer(items);
  }

  get size(): number {
    return this.#items.length;
  }

  get ready(): boolean {
    return this.#items.length > 0 && (this._ext === null || this._ext.active < this._ext.cap);
  }

  /** @internal */
  get _readyBelow(): boolean {
    return this.#items.length > 0;
  }

  /** Appends an event; a parent that had this queue idle puts it at the back of its rotation. */
  push(item: T): void {
    const items = this.#items;
    items.push(item);
    if (items.length === 1 && this._parent !== null) this._parent._childReady(this);
  }

  next(): T | undefined {
    const items = this.#items;
    if (items.length === 0 || (this._ext !== null && this._ext.active >= this._ext.cap)) return undefined;
    const item = items.shift() as T;
    if (items.length === 0 && this._parent !== null) this._parent._childIdle(this);
    return item;
  }

  /** The event `next()` would return, left in place. */
  peek(): T | undefined {
    return this.#items.peek();
  }

  /** Removes every event and returns them, oldest first. */
  clear(): T[] {
    const items = this.#items.drain();
    if (items.length > 0 && this._parent !== null) this._parent._childIdle(this);
    return items;
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.#items[Symbol.iterator]();
  }

  /** @internal */
  _take(): T {
    return this.#items.shift() as T;
  }

  /** @internal */
  _takeExt(): T {
    return this.#items.shift() as T;
  }

  /** @internal */
  _takeCounted(taker: NodeExtras<T>): T {
    extrasOf(this).active++;
    taker.taken = this;
    return this.#items.shift() as T;
  }

  /**
   * @internal Takes the oldest event out and appends `item` (a bounded queue that is full): the length stays, so
   * the parent is not told. Only called when not empty.
   */
  _slide(item: T): T {
    const items = this.#items;
    const oldest = items.shift() as T;
    items.push(item);
    return oldest;
  }

  /** @internal Replaces the newest event with `item` in place (conflation). Only called when not empty. */
  _replaceNewest(item: T): T {
    return this.#items.replaceLast(item) as T;
  }

  /** @internal */
  _drainInto(out: T[]): void {
    for (const item of this.#items.drain()) out.push(item);
  }

  /** @internal */
  _prunable(): boolean {
    return this.#items.length === 0 && (this._ext === null || this._ext.active === 0);
  }
}
