/**
 * @internal The bits of {@link QueueNode._flags}: one small integer rather than a boolean field each, because `push`
 * creates and prunes nodes by the thousand and every field makes each of them larger.
 */

/** @internal Paused in its parent: out of the rotation, its events kept. */
export const PAUSED = 1;
/** @internal Created by `RoundRobinQueue.push(path, …)`: forgotten by its parent once empty. */
export const AUTO = 2;
/** @internal In the parent's rotation; then `_prev` and `_next` are its neighbours there. */
export const LINKED = 4;
/** @internal Created by `push` below a node with `spares` (and no `pathWeight`): kept as a spare once empty. */
export const REUSABLE = 8;
/** @internal A spare: empty, kept by its parent for reuse, and hidden from every method (see `SpareBranches`). */
export const SPARE = 16;
