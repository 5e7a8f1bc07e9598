/** @internal The capacity of an empty buffer. */
export const MIN_CAPACITY = 4;
/** @internal Above this capacity an emptied buffer gives its memory back (a drained backlog must not pin it). */
export const RETAIN_CAPACITY = 1024;

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
    this.#slots = grownSlots(this.#slots, this.#head, this.#length);
    this.#head = 0;
  }
}

/** @internal Slots of a given capacity, all empty. */
export function emptySlots<T>(capacity: number): (T | undefined)[] {
  return new Array<T | undefined>(capacity).fill(undefined);
}

/** @internal Full `slots` (oldest at `head`) copied into twice as many (at least `MIN_CAPACITY`), oldest first. */
export function grownSlots<T>(old: (T | undefined)[], head: number, length: number): (T | undefined)[] {
  const slots = emptySlots<T>(Math.max(MIN_CAPACITY, old.length * 2));
  for (let i = 0; i < length; i++) slots[i] = old[(head + i) & (old.length - 1)];
  return slots;
}
