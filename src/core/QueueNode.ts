/**
 * Shared machinery of the synchronous fair tree: the base class of every queue that can sit under a
 * `RoundRobinQueue`. A node carries its own place in its parent (key, pause flag, links in the parent's rotation),
 * like a DOM node its `parentNode` and siblings, so a pick follows one pointer per level.
 *
 * A child tells its parent only when it turns ready (non-empty on an unpaused path) or idle, so a parent never
 * scans its children: it keeps a circular rotation of those that are ready.
 */
export abstract class QueueNode<T> {
  /** @internal The node this one is a child of; `null` while it is a root. */
  _parent: ParentNode<T> | null = null;
  /** @internal Its key in `_parent`. */
  _key: unknown = undefined;
  /** @internal Paused in its parent: out of the rotation, its events kept. */
  _paused = false;
  /** @internal Created by `RoundRobinQueue.push(path, …)`: forgotten by its parent once empty. */
  _auto = false;
  /** @internal In the parent's rotation; then `_prev` and `_next` are its neighbours there. */
  _linked = false;
  /** @internal */
  _prev: QueueNode<T> = this;
  /** @internal */
  _next: QueueNode<T> = this;

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
  /** The child turned ready. */
  _childReady(child: QueueNode<T>): void;
  /** The child turned idle, or, created by `push`, has nothing left and may be forgotten. */
  _childIdle(child: QueueNode<T>): void;
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
