import { checkFunction, checkOptionsObject, checkPositiveInteger, describeValue } from './checks.js';

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
 * @internal A queue's options, checked once where they enter: `size` is set (1 for `'latest'`). Shared by every leaf
 * of a `pathBound`, which `push` creates by the thousand.
 */
export class Bound<T> implements BoundedFifoQueueOptions<T> {
  private constructor(
    readonly size: number,
    readonly overflow: OverflowPolicy,
    readonly onDrop: DropListener<T> | undefined,
  ) {}

  /** Checks options where they enter; a `TypeError` names what is wrong. */
  static check<T>(options: BoundedFifoQueueOptions<T>): Bound<T> {
    if (options instanceof Bound) return options;
    checkOptionsObject(options);
    const { overflow, onDrop } = options;
    const size = checkBound(options.size, overflow, '');
    if (onDrop !== undefined) checkFunction(onDrop, '`onDrop`');
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
      `Expected \`overflow\`${what} to be 'error', 'drop-oldest', 'drop-newest' or 'latest', got ${describeValue(overflow)}`,
    );
  }
  if (overflow === 'latest') {
    if (size !== undefined && size !== 1)
      throw new TypeError(`Expected no \`size\`${what} (or 1) with overflow 'latest', got ${describeValue(size)}`);
    return 1;
  }
  checkPositiveInteger(size, `\`size\`${what}`);
  return size;
}
