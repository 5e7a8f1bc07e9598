import { describeValue } from './checks.js';

/**
 * Thrown by `push` into a full bounded queue whose overflow policy is `'error'` (the queue is left as it was).
 * In the reactive layer the output errors with it.
 */
export class OverflowError extends Error {
  override readonly name = 'OverflowError';

  constructor(
    /** The queue's bound: how many events it held when the push was refused. */
    readonly size: number,
    /** The queue's key path from the root of its tree (`[]` for a queue on its own or the root itself). */
    readonly path: readonly unknown[],
  ) {
    super(
      `${path.length === 0 ? 'Queue' : `Leaf ${describeValue(path)}`} is full (size ${size}, overflow 'error'): the event was refused`,
    );
  }
}
