const MIN_CAPACITY = 4;
/** Above this capacity an emptied buffer gives its memory back (a drained backlog must not pin it). */
const RETAIN_CAPACITY = 1024;

/**
 * A growable FIFO over a power-of-two circular array: O(1) `push` and `shift`, no `Array.prototype.shift`.
 * Taken slots are cleared so the garbage collector can reclaim what the queue no longer holds.
 */
export class RingBuffer<T> {
  /** Slots; `undefined` where nothing is held. Length is always a power of two. */
  #slots: (T | undefined)[];
  /** Index of the oldest item. */
  #head = 0;
  /** Number of items held. */
  #length = 0;

  constructor(items?: Iterable<T>) {
    this.#slots = emptySlots(MIN_CAPACITY);
    if (items !== undefined) for (const item of items) this.push(item);
  }

  get length(): number {
    return this.#length;
  }

  push(item: T): void {
    const slots = this.#slots;
    if (this.#length === slots.length) {
      this.#grow();
      this.push(item);
      return;
    }
    slots[(this.#head + this.#length) & (slots.length - 1)] = item;
    this.#length++;
  }

  /** Removes and returns the oldest item; `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const slots = this.#slots;
    const item = slots[this.#head];
    slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & (slots.length - 1);
    if (--this.#length === 0) {
      this.#head = 0;
      if (slots.length > RETAIN_CAPACITY) this.#slots = emptySlots(MIN_CAPACITY);
    }
    return item;
  }

  /** Replaces the newest item with `item` in place and returns it; `undefined` (nothing replaced) when empty. */
  replaceLast(item: T): T | undefined {
    if (this.#length === 0) return undefined;
    const slots = this.#slots;
    const index = (this.#head + this.#length - 1) & (slots.length - 1);
    const last = slots[index];
    slots[index] = item;
    return last;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#slots[this.#head];
  }

  /** Removes every item and returns them oldest first. */
  drain(): T[] {
    const items = [...this];
    this.#slots = emptySlots(MIN_CAPACITY);
    this.#head = 0;
    this.#length = 0;
    return items;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    const slots = this.#slots;
    for (let i = 0; i < this.#length; i++) yield slots[(this.#head + i) & (slots.length - 1)] as T;
  }

  #grow(): void {
    const old = this.#slots;
    const slots = emptySlots<T>(old.length * 2);
    for (let i = 0; i < this.#length; i++) slots[i] = old[(this.#head + i) & (old.length - 1)];
    this.#slots = slots;
    this.#head = 0;
  }
}

function emptySlots<T>(capacity: number): (T | undefined)[] {
  return new Array<T | undefined>(capacity).fill(undefined);
}
