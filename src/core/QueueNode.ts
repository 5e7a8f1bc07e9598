/**
 * Shared machinery of the synchronous fair tree: the base class of every queue that can sit under a
 * `RoundRobinQueue`, and the `Slot` that links a child to its parent.
 *
 * A child tells its parent of every change through its slot (`_childChanged`), so a parent never scans its
 * children: it keeps a circular rotation of only those that are ready (non-empty and not paused).
 */
export abstract class QueueNode<T> {
  /** @internal Where this node sits in its parent; `null` while it is a root. */
  _slot: Slot<T> | null = null;

  /** Events queued in this node and below it, paused ones included. */
  abstract get size(): number;

  /** Whether `next()` would hand out an event now: something is queued on a path that is not paused. */
  abstract get ready(): boolean;

  /** Takes the next event in rotation order; `undefined` when nothing is ready. */
  abstract next(): T | undefined;

  /** @internal Takes the next event without telling the parent (the parent asked). Only called when `ready`. */
  abstract _take(): T;

  /** @internal Appends every queued event, paused ones included, to `out` and empties this node silently. */
  abstract _drainInto(out: T[]): void;

  /** @internal Whether an auto-created node holds nothing worth keeping, so its parent may forget it. */
  abstract _prunable(): boolean;
}

/** What a child needs of its parent. */
export interface ParentNode<T> {
  /** The child's size changed by `delta`, or it may have become ready or idle. */
  _childChanged(slot: Slot<T>, delta: number): void;
}

/** @internal A child's place in its parent: its key, its pause flag and its links in the parent's rotation. */
export class Slot<T> {
  paused = false;
  /** Whether this slot is in the parent's rotation (then `prev`/`next` are its neighbours there). */
  linked = false;
  prev: Slot<T> = this;
  next: Slot<T> = this;

  constructor(
    readonly key: unknown,
    readonly child: QueueNode<T>,
    readonly parent: ParentNode<T>,
    /** Created by `RoundRobinQueue.push(path, …)`: pruned again once it is empty. */
    readonly auto: boolean,
  ) {}
}

/** A key as it reads in an error message. */
export function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (Array.isArray(key)) return `[${key.map(describeKey).join(', ')}]`;
  try {
    return String(key);
  } catch {
    return Object.prototype.toString.call(key);
  }
}
