import { extrasOf, type NodeExtras } from './NodeExtras.js';
import { QueueNode } from './QueueNode.js';
import { RETAIN_CAPACITY, grownSlots } from './RingBuffer.js';

/**
 * The slots of every empty leaf that never held an event, or gave its memory back: shared, never written (a push
 * into a full ring grows it first). Most leaves of a wide tree never queue anything, and then cost no array.
 */
const NO_SLOTS: never[] = [];

/** `FifoQueue.#first` while it holds nothing (`undefined` is an event like any other). */
const NONE: unique symbol = Symbol('none');

/**
 * A first-in first-out queue of events: the leaf of a fair tree (one per VM policy, say). Backed by a ring buffer, so a backlog of any length costs O(1) per push and per `next()`.
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
  /**
   * An event pushed while the queue was empty, held in the leaf itself until it is taken (it is then the oldest);
   * the others wait in the ring. Over a wide tree most leaves hold one event at a time, and then neither its push
   * nor its pick touches the ring: a cache miss less on each. A backlog moves through the ring alone: keeping its
   * oldest event here too would cost it more than it saves (BENCHMARKS.md has the figures).
   */
  #first: T | typeof NONE = NONE;
  /** Slots; `undefined` where nothing is held. Length is always a power of two, or 0 (`NO_SLOTS`). */
  #slots: (T | undefined)[] = NO_SLOTS;
  /** Index of the oldest event in the ring. */
  #head = 0;
  /** Number of events held, `#first` included. */
  #length = 0;

  constructor(items?: Iterable<T>) {
    super();
    if (items !== undefined) for (const item of items) this.#append(item);
  }

  get size(): number {
    return this.#length;
  }

  get ready(): boolean {
    const ext = this._extras;
    return this.#length > 0 && (ext === null || (ext.counted < ext.cap && !ext.throttled));
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
    if (this.#length === 0 || (this._extras !== null && this._extras.counted >= this._extras.cap)) return undefined;
    const item = this.#shift();
    if (this.#length === 0 && this._parent !== null) this._parent._childIdle(this);
    return item;
  }

  /** The event `next()` would return, left in place. */
  peek(): T | undefined {
    if (this.#first !== NONE) return this.#first;
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** Removes every event and returns them, oldest first. */
  clear(): T[] {
    const items = this.#drain();
    if (items.length > 0 && this._parent !== null) this._parent._childIdle(this);
    return items;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    const first = this.#first;
    if (first !== NONE) yield first;
    const slots = this.#slots;
    for (let i = 0; i < this.#inRing(); i++) yield slots[(this.#head + i) & (slots.length - 1)] as T;
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
    const ext = extrasOf(this);
    ext.counted++;
    taker.lastTaken = this;
    const item = this.#shift();
    ext.bucket?.spend(this); // before the parent looks whether this leaf is still ready
    return item;
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
    const inRing = this.#inRing();
    if (inRing === 0) {
      const replaced = this.#first as T;
      this.#first = item;
      return replaced;
    }
    const slots = this.#slots;
    const newest = (this.#head + inRing - 1) & (slots.length - 1);
    const replaced = slots[newest] as T;
    slots[newest] = item;
    return replaced;
  }

  /** @internal */
  _drainInto(out: T[]): void {
    for (const item of this.#drain()) out.push(item);
  }

  /** @internal */
  _prunable(): boolean {
    return (
      this.#length === 0 && (this._extras === null || (this._extras.counted === 0 && this._extras.bucket === null))
    );
  }

  /** Events held in the ring. */
  #inRing(): number {
    return this.#first === NONE ? this.#length : this.#length - 1;
  }

  // `#append` and `#shift` stay small: V8 inlines them into every push and pick, the ring's code included only where
  // it is needed.
  #append(item: T): void {
    if (this.#length === 0) {
      this.#first = item;
      this.#length = 1;
    } else {
      this.#appendToRing(item);
    }
  }

  #appendToRing(item: T): void {
    let slots = this.#slots;
    const inRing = this.#inRing();
    if (inRing === slots.length) {
      slots = this.#slots = grownSlots(slots, this.#head, inRing);
      this.#head = 0;
    }
    slots[(this.#head + inRing) & (slots.length - 1)] = item;
    this.#length++;
  }

  /** The oldest event, removed; only called when there is one. */
  #shift(): T {
    const first = this.#first;
    if (first === NONE) return this.#shiftFromRing();
    this.#first = NONE;
    this.#length--;
    return first;
  }

  #shiftFromRing(): T {
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
    this.#first = NONE;
    this.#slots = NO_SLOTS;
    this.#head = 0;
    this.#length = 0;
    return items;
  }
}
