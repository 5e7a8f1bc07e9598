import type { QueueNode } from './QueueNode.js';

/**
 * @internal The spares of a tree: branches its `push` created that are empty now but kept by their parents for
 * reuse, least recently emptied first (`RoundRobinQueue`'s `spares` option). A key that comes back (a stream's next
 * burst) then reuses its branch instead of building it anew, which a stream that arrives in bursts would otherwise
 * do for every branch after every burst. Past `limit` the least recently emptied is dropped for good, so memory
 * still follows what is queued, plus at most `limit` empty branches.
 *
 * Intrusive: a spare is in no rotation, so its `_prev` and `_next` serve this list.
 */
export class SpareBranches<T> {
  /** The least recently emptied spare; `null` when empty. */
  #oldest: QueueNode<T> | null = null;
  size = 0;

  constructor(readonly limit: number) {}

  /** Appends a node just emptied; returns the oldest one it pushes out beyond `limit`, or `null`. */
  add(node: QueueNode<T>): QueueNode<T> | null {
    const oldest = this.#oldest;
    if (oldest === null) {
      node._prev = node._next = node;
      this.#oldest = node;
    } else {
      const newest = oldest._prev;
      node._prev = newest;
      node._next = oldest;
      newest._next = node;
      oldest._prev = node;
    }
    if (++this.size <= this.limit) return null;
    const out = this.#oldest as QueueNode<T>;
    this.remove(out);
    return out;
  }

  /** Takes a node out (it is reused, or dropped with its parent). */
  remove(node: QueueNode<T>): void {
    this.size--;
    if (node._next === node) this.#oldest = null;
    else {
      node._prev._next = node._next;
      node._next._prev = node._prev;
      if (this.#oldest === node) this.#oldest = node._next;
    }
    node._prev = node._next = node;
  }
}
