import { checkLimit } from './checks.js';
import { NodeExtras, extrasOf } from './NodeExtras.js';
import { AUTO, LINKED, PAUSED } from './nodeFlags.js';

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
  _parent: (QueueNode<T> & ParentNode<T>) | null = null;
  /** @internal Its key in `_parent`. */
  _key: unknown = undefined;
  /**
   * @internal `PAUSED`, `AUTO`, `LINKED`, `REUSABLE` and `SPARE` (see nodeFlags.ts) as bits of one small integer:
   * `push` creates and prunes nodes by the thousand, and a boolean field each would make every node larger.
   */
  _flags = 0;
  /** @internal */
  _prev: QueueNode<T> = this;
  /** @internal */
  _next: QueueNode<T> = this;
  /**
   * @internal Weight, cap and counted events, or `null` while the node has none of them (weight 1, no cap, never
   * counted). Invariant: a node without extras has none below it (`extrasOf` gives every ancestor extras), so a
   * parent without extras pulls with `_take`, the plain loop, which never looks at weights or caps.
   */
  _extras: NodeExtras<T> | null = null;

  /** @internal Paused in its parent: out of the rotation, its events kept. */
  get _paused(): boolean {
    return (this._flags & PAUSED) !== 0;
  }

  /** @internal */
  set _paused(on: boolean) {
    this._flags = on ? this._flags | PAUSED : this._flags & ~PAUSED;
  }

  /** @internal Created by `RoundRobinQueue.push(path, …)`: forgotten by its parent once empty. */
  get _auto(): boolean {
    return (this._flags & AUTO) !== 0;
  }

  /** @internal */
  set _auto(on: boolean) {
    this._flags = on ? this._flags | AUTO : this._flags & ~AUTO;
  }

  /** @internal In the parent's rotation; then `_prev` and `_next` are its neighbours there. */
  get _linked(): boolean {
    return (this._flags & LINKED) !== 0;
  }

  /** @internal */
  set _linked(on: boolean) {
    this._flags = on ? this._flags | LINKED : this._flags & ~LINKED;
  }

  /** Events queued in this node and below it, paused ones included. */
  abstract get size(): number;

  /**
   * Whether `next()` would hand out an event now: something is queued on a path that is not paused, and neither
   * this node nor a node on that path is at its cap.
   */
  abstract get ready(): boolean;

  /**
   * @internal `ready` but for this node's own cap: the parent reads it for a child without extras, which has no
   * cap.
   */
  abstract get _readyBelow(): boolean;

  /** Takes the next event in rotation order; `undefined` when nothing is ready. Active counts are not touched. */
  abstract next(): T | undefined;

  /**
   * Takes the next event like `next()` and counts it as active at every node on its path (its leaf, the leaf's
   * ancestors) until `release()` is called on that leaf, which {@link QueueNode.lastTaken} of this node names
   * right after. Only counted events hold a node at its cap: use `take` and `release` when the tree has caps.
   *
   * @example
   * const event = tree.take();
   * const leaf = tree.lastTaken;
   * run(event).then(() => leaf?.release()); // frees a turn of every capped node above it
   */
  take(): T | undefined {
    if (!this.ready) return undefined;
    const item = this._takeCounted(extrasOf(this)); // counts the event at this node and below
    const parent = this._parent;
    if (parent !== null) {
      // Called on a subtree: its parent did not take part in the pick. Tell it, and count the event above too.
      if (!this.ready) parent._childIdle(this);
      parent._addCounted(1);
    }
    return item;
  }

  /**
   * The leaf that this node's most recent `take()` took its event from (this node itself for a `FifoQueue`);
   * `null` before its first `take()`. Read it right after `take()`: the next `take()` of this node replaces it.
   */
  get lastTaken(): QueueNode<T> | null {
    return this._extras === null ? null : this._extras.lastTaken;
  }

  /**
   * Tells the tree that an event taken from this leaf with `take()` finished: one active event less at this node
   * and every ancestor, and a node that was at its cap rejoins the back of its parent's rotation.
   */
  release(): void {
    if (this._extras === null || this._extras.counted <= 0) {
      throw new Error('release() without a matching take(): nothing is active below this node');
    }
    this._addCounted(-1);
  }

  /** The most events below this node active at once (`Infinity`: no cap). */
  get cap(): number {
    return this._extras === null ? Infinity : this._extras.cap;
  }

  /** Events taken from below this node with `take()` and not yet released. */
  get active(): number {
    return this._extras === null ? 0 : this._extras.counted;
  }

  /**
   * Caps how many events below this node may be active at once (counted by `take`/`release`): at its cap the node
   * leaves its parent's rotation, and rejoins at the back once one of them is released. A cap lower than what is
   * active cancels nothing; the node waits until enough are released.
   */
  setCap(cap: number): this {
    checkLimit(cap);
    if (this._extras === null && cap === Infinity) return this; // no cap already
    const ext = extrasOf(this);
    const wasOpen = ext.counted < ext.cap;
    ext.cap = cap;
    const isOpen = ext.counted < cap;
    const parent = this._parent;
    if (parent !== null && wasOpen !== isOpen) {
      if (isOpen) parent._childReady(this);
      else parent._childIdle(this);
    }
    return this;
  }

  /**
   * @internal Takes the next event without telling the parent (the parent asked). Only called when `ready`, and
   * only on a node without extras: nothing below it has a weight or a cap.
   */
  abstract _take(): T;

  /** @internal `_take` for a node with extras: follows the weights and caps below it. Only called when `ready`. */
  abstract _takeExt(): T;

  /**
   * @internal `_take` for `take()`: each node on the way counts the event as active, and the leaf records itself
   * in `taker` (the extras of the node `take()` was called on). Only called when `ready`.
   */
  abstract _takeCounted(taker: NodeExtras<T>): T;

  /**
   * @internal Adds `delta` to the active count of this node and of every ancestor. A node that reaches its cap
   * leaves its parent's rotation; one that drops below it rejoins at the back; one created by `push` that is
   * empty with nothing active left is forgotten. Walks leaf to root, so a parent's count still includes the event
   * while its child's change is handled: it cannot be pruned or rejoin too early.
   */
  _addCounted(delta: number): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a walk up the parents, from this node
    for (let node: QueueNode<T> | null = this; node !== null;) {
      const parent: (QueueNode<T> & ParentNode<T>) | null = node._parent;
      const ext = extrasOf(node);
      const wasOpen = ext.counted < ext.cap;
      ext.counted += delta;
      if (parent !== null) {
        const isOpen = ext.counted < ext.cap;
        if (isOpen && !wasOpen) parent._childReady(node);
        else if (!isOpen && wasOpen) parent._childIdle(node);
        // Created by `push` and kept only for its active events: may be pruned now.
        if (delta < 0 && node._auto && ext.counted === 0 && node._parent === parent) parent._childIdle(node);
      }
      node = parent;
    }
  }

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
