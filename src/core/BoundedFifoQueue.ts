import { FifoQueue } from './FifoQueue.js';
import { OverflowError } from './OverflowError.js';
import {
  Bound,
  type BoundedFifoQueueOptions,
  type DropListener,
  type DropReason,
  type OverflowPolicy,
} from './BoundedFifoQueueOptions.js';
import type { QueueNode } from './QueueNode.js';

/**
 * A {@link FifoQueue} that holds at most `size` events, with an overflow policy for one more. Pushing below the
 * bound costs what a plain `FifoQueue`'s push does, plus one comparison; a plain `FifoQueue` knows nothing of bounds.
 * In a tree a bounded leaf behaves like any other: a drop or a replacement keeps its place in the rotation.
 *
 * @example
 * const states = new BoundedFifoQueue<VmState>({ overflow: 'latest', onDrop: (old) => log('superseded', old) });
 * states.push('MAINTENANCE');
 * states.push('DOWN');   // replaces MAINTENANCE, which is reported
 * states.next();         // 'DOWN'
 */
export class BoundedFifoQueue<T> extends FifoQueue<T> {
  /** Checked options, shared by every leaf `pathBound` creates. */
  readonly #bound: Bound<T>;

  /** `items` are pushed one by one, so the policy applies to them as well. */
  constructor(options: BoundedFifoQueueOptions<T>, items?: Iterable<T>) {
    super();
    // Checked once for all the leaves of a `pathBound`, which `push` creates by the thousand.
    this.#bound = options instanceof Bound ? options : Bound.check(options);
    if (items !== undefined) for (const item of items) this.push(item);
  }

  /** @internal Its checked options: `push` reuses a spare leaf of a `pathBound` only if they are that one's. */
  get _bound(): Bound<T> {
    return this.#bound;
  }

  /** The most events the queue holds (the `size` option; `size` is how many it holds now). */
  get capacity(): number {
    return this.#bound.size;
  }

  get overflow(): OverflowPolicy {
    return this.#bound.overflow;
  }

  /**
   * Appends an event, or, when the queue is full, applies the overflow policy. A drop or a replacement leaves the
   * queue's length and its place in its parent's rotation as they were; `onDrop` is called once the queue changed
   * (a throw from it reaches the caller of `push`, the change stays).
   */
  override push(item: T): void {
    const bound = this.#bound;
    if (this.size < bound.size) {
      super.push(item);
      return;
    }
    switch (bound.overflow) {
      case 'error':
        throw new OverflowError(bound.size, keyPathOf(this));
      case 'drop-oldest':
        this.#drop(this._slide(item), 'drop-oldest');
        return;
      case 'drop-newest':
        this.#drop(item, 'drop-newest');
        return;
      case 'latest':
        this.#drop(this._replaceNewest(item), 'latest');
    }
  }

  #drop(event: T, reason: DropReason): void {
    (this.#bound.onDrop as DropListener<T>)(event, reason, keyPathOf(this));
  }
}

/** A node's key path from the root of its tree; computed when asked (a drop, an overflow), never kept. */
function keyPathOf<T>(node: QueueNode<T>): unknown[] {
  const path: unknown[] = [];
  for (let n: QueueNode<T> = node; n._parent !== null; n = n._parent) path.push(n._key);
  return path.reverse();
}
