import { QueueNode, extrasOf, type NodeExtras } from './QueueNode.js';
import { RETAIN_CAPACITY, grownSlots } from './RingBuffer.js';

/**
 * The slots of every empty leaf that never held an event, or gave its memory back: shared, never written (a push
 * into a full ring grows it first). Most leaves of a wide tree never queue anything, and then cost no array.
 */
const NO_SLOTS: never[] = [];

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
  // A ring buffer held in the leaf itself rather than in a `RingBuffer`: over a wide tree each pick and each push
  // touches a cold leaf, and an object less on the way is a cache miss less per event.
  /** Slots; `undefined` where nothing is held. Length is always a power of two, or 0 (`NO_SLOTS`). */
  #slots: (T | undefined)[] = NO_SLOTS;
  /** Index of the oldest event. */
  #head = 0;
  /** Number of events held. */
  #length = 0;

  constructor(items?: Iterable<T>) {
    super();
    if (items !== undefined) for (const item of items) this.#append(item);
  }

  get size(): number {
    return this.#length;
  }

  get ready(): boolean {
    return this.#length > 0 && (this._ext === null || this._ext.active < this._ext.cap);
  }

  /** @internal */
  get _readyBelow(): boolean {
    return this.#length > 0;
  }

  /** Appends an event; a parent that had this queue idle puts it at the back of its rotation. */
  push(item: T): void {
    this.#append(item);
    if (this.#length === 1 && this._parent !== null) this._parent._childReady(this);
  }

  next(): T | undefined {
    if (this.#length === 0 || (this._ext !== null && this._ext.active >= this._ext.cap)) return undefined;
    const item = this.#shift();
    if (this.#length === 0 && this._parent !== null) this._parent._childIdle(this);
    return item;
  }

  /** The event `next()` would return, left in place. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** Removes every event and returns them, oldest first. */
  clear(): T[] {
    const items = this.#drain();
    if (items.length > 0 && this._parent !== null) this._parent._childIdle(this);
    return items;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    const slots = this.#slots;
    for (let i = 0; i < this.#length; i++) yield slots[(this.#head + i) & (slots.length - 1)] as T;
  }

  /** @internal */
  _take(): T {
    return this.#shift();
  }

  /** @internal */
  _takeExt(): T {
    return this.#shift();
  }

  /** @internal */
  _takeCounted(taker: NodeExtras<T>): T {
    extrasOf(this).active++;
    taker.taken = this;
    return this.#shift();
  }

  /**
   * @internal Takes the oldest event out and appends `item` (a bounded queue that is full): the length stays, so
   * the parent is not told. Only called when not empty.
   */
  _slide(item: T): T {
    const oldest = this.#shift();
    this.#append(item);
    return oldest;
  }

  /** @internal Replaces the newest event with `item` in place (conflation). Only called when not empty. */
  _replaceNewest(item: T): T {
    const slots = this.#slots;
    const newest = (this.#head + this.#length - 1) & (slots.length - 1);
    const replaced = slots[newest] as T;
    slots[newest] = item;
    return replaced;
  }

  /** @internal */
  _drainInto(out: T[]): void {
    for (const item of this.#drain()) out.push(item);
  }

  /**
   * @internal Gives back a ring of more than `slots` slots once empty: a leaf kept for reuse (`spares`) holds little,
   * so the pages of a drained backlog's rings can be released.
   */
  _trim(slots: number): void {
    if (this.#length === 0 && this.#slots.length > slots) this.#slots = NO_SLOTS;
  }

  /** @internal */
  _prunable(): boolean {
    return this.#length === 0 && (this._ext === null || this._ext.active === 0);
  }

  #append(item: T): void {
    let slots = this.#slots;
    if (this.#length === slots.length) {
      slots = this.#slots = grownSlots(slots, this.#head, this.#length);
      this.#head = 0;
    }
    slots[(this.#head + this.#length) & (slots.length - 1)] = item;
    this.#length++;
  }

  /** The oldest event, removed; only called when there is one. */
  #shift(): T {
    const slots = this.#slots;
    const item = slots[this.#head] as T;
    slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & (slots.length - 1);
    if (--this.#length === 0) {
      this.#head = 0;
      if (slots.length > RETAIN_CAPACITY) this.#slots = NO_SLOTS;
    }
    return item;
  }

  #drain(): T[] {
    const items = [...this];
    this.#slots = NO_SLOTS;
    this.#head = 0;
    this.#length = 0;
    return items;
  }
}
