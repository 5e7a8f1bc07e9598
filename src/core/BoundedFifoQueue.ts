import { FifoQueue } from './FifoQueue.js';
import { OverflowError } from './OverflowError.js';
import { checkWeight, describeKey, type QueueNode } from './QueueNode.js';

/**
 * What a full bounded queue does with one more event:
 * - `'error'`: `push` throws an {@link OverflowError} and changes nothing;
 * - `'drop-oldest'`: the oldest queued event leaves (reported), the new one is appended;
 * - `'drop-newest'`: the arriving event is refused (reported);
 * - `'latest'`: conflation, the queue holds one event, which the new one replaces in place (the old one reported).
 */
export type OverflowPolicy = 'error' | 'drop-oldest' | 'drop-newest' | 'latest';

/** Why an event left a bounded queue without being taken: the policy that dropped or replaced it. */
export type DropReason = Exclude<OverflowPolicy, 'error'>;

/**
 * Told of every event that leaves a bounded queue without being taken, right after the queue changed. `path` is
 * the queue's key path from the root of its tree (`[]` for a queue on its own).
 */
export type DropListener<T> = (event: T, reason: DropReason, path: readonly unknown[]) => void;

export interface BoundedFifoQueueOptions<T> {
  /**
   * The most events the queue holds; a positive integer. Required, except with `'latest'`, which holds one.
   * @default 1 with `'latest'`
   */
  readonly size?: number;
  /** What a push into a full queue does. */
  readonly overflow: OverflowPolicy;
  /** Told of every event dropped or replaced. Required unless `overflow` is `'error'`: nothing is dropped silently. */
  readonly onDrop?: DropListener<T>;
}

const POLICIES: readonly unknown[] = ['error', 'drop-oldest', 'drop-newest', 'latest'] satisfies OverflowPolicy[];

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

  /** @internal Its checked options: `push` reuses a parked leaf of a `pathBound` only if they are that one's. */
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

/** @internal A queue's bound, checked: `size` is set (1 for `'latest'`). */
export class Bound<T> implements BoundedFifoQueueOptions<T> {
  private constructor(
    readonly size: number,
    readonly overflow: OverflowPolicy,
    readonly onDrop: DropListener<T> | undefined,
  ) {}

  /** Checks options where they enter; a `TypeError` names what is wrong. */
  static check<T>(options: BoundedFifoQueueOptions<T>): Bound<T> {
    if (options instanceof Bound) return options;
    if (options === null || typeof options !== 'object')
      throw new TypeError(`Expected an options object, got ${describeKey(options)}`);
    const { overflow, onDrop } = options;
    const size = checkBound(options.size, overflow, '');
    if (onDrop !== undefined && typeof onDrop !== 'function')
      throw new TypeError(`Expected \`onDrop\` to be a function, got ${describeKey(onDrop)}`);
    if (onDrop === undefined && overflow !== 'error') {
      throw new TypeError(`Expected \`onDrop\` with overflow '${overflow}': nothing is dropped silently`);
    }
    return new Bound(size, overflow, onDrop);
  }
}

/**
 * Checks a bound's `size` and `overflow` and returns the size (1 for `'latest'` when not given). `what` names
 * where they were given, for the message (`' of key "heal"'`).
 */
export function checkBound(size: unknown, overflow: unknown, what: string): number {
  if (!POLICIES.includes(overflow)) {
    throw new TypeError(
      `Expected \`overflow\`${what} to be 'error', 'drop-oldest', 'drop-newest' or 'latest', got ${describeKey(overflow)}`,
    );
  }
  if (overflow === 'latest') {
    if (size !== undefined && size !== 1)
      throw new TypeError(`Expected no \`size\`${what} (or 1) with overflow 'latest', got ${describeKey(size)}`);
    return 1;
  }
  checkWeight(size, `\`size\`${what}`);
  return size;
}

/** A node's key path from the root of its tree; computed when asked (a drop, an overflow), never kept. */
function keyPathOf<T>(node: QueueNode<T>): unknown[] {
  const path: unknown[] = [];
  for (let n: QueueNode<T> = node; n._parent !== null; n = n._parent) path.push(n._key);
  return path.reverse();
}
