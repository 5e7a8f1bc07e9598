import { BoundedFifoQueue } from './BoundedFifoQueue.js';
import type { BoundedFifoQueueOptions } from './BoundedFifoQueueOptions.js';
import { branchWeights, setUpSpare, type BranchOptions } from './BranchOptions.js';
import { checkChildQueue } from './checkChildQueue.js';
import { checkOptionsObject, checkPositiveInteger, describeValue } from './checks.js';
import { FifoQueue } from './FifoQueue.js';
import { extrasOf, type NodeExtras } from './NodeExtras.js';
import { AUTO, LINKED, PAUSED, REUSABLE, SPARE } from './nodeFlags.js';
import { QueueNode } from './QueueNode.js';
import {
  checkChildOptions,
  checkQueueOptions,
  type ChildOptions,
  type QueueChildren,
  type RoundRobinQueueOptions,
} from './RoundRobinQueueOptions.js';
import { SpareBranches } from './SpareBranches.js';

/**
 * A round-robin node over keyed children, each a `FifoQueue` or another `RoundRobinQueue`. `next()` asks the child at the front of the rotation for one event; that child goes to the
 * back if it still holds events. Only ready children (non-empty, not paused) are in the rotation, and a child
 * tells its parent when that changes, so a pick costs O(depth) however many children exist or are empty, and a
 * push O(1) unless it turns a branch ready.
 *
 * @example
 * const q = new RoundRobinQueue<string>({
 *   pol1: new FifoQueue(['healing', 'healing again']),
 *   pol2: new FifoQueue(['scaling out']),
 * });
 * q.next(); // 'healing'
 * q.next(); // 'scaling out'
 * q.next(); // 'healing again'
 * q.next(); // undefined
 */
// A `ParentNode` (checked where a child gets it as `_parent`), not declared: the protocol stays out of the public types.
export class RoundRobinQueue<T, K = string> extends QueueNode<T> {
  /**
   * Every child by key, in the order they were added; `null` while the node has at most one child, which is then
   * `#only`. The branches `push` creates mostly hold one child each (one VM of a host, one policy of a VM), and a
   * Map for each, made, filled and emptied as the branch comes and goes, would cost a wide stream more than the
   * rest of its pick.
   */
  #children: Map<K, QueueNode<T>> | null = null;
  /** The only child (its key is its `_key`) while `#children` is `null`; `null` when there is none. */
  #only: QueueNode<T> | null = null;
  /** Front of the rotation, a circular list of the ready children; `null` when none is ready. */
  #head: QueueNode<T> | null = null;
  /** Children held as spares: empty, kept for reuse, hidden from every method. */
  #spareCount = 0;
  /** With the `spares` option: the spares below this node, least recently emptied first. */
  #spares: SpareBranches<T> | null = null;

  constructor(children?: QueueChildren<T, K>, options?: RoundRobinQueueOptions<K, T>) {
    super();
    // `push(path)` creates nodes by the thousand: a bare node does no work here, and the constructor stays small.
    if (children !== undefined || options !== undefined) this.#init(children, options);
  }

  #init(children: QueueChildren<T, K> | undefined, options: RoundRobinQueueOptions<K, T> | undefined): void {
    if (options !== undefined) checkOptionsObject(options);
    const entries = (
      children === undefined ? [] : children instanceof Map ? [...children] : Object.entries(children)
    ) as [K, unknown][];
    // Check everything before attaching anything: a constructor that throws must leave no child claimed.
    const seen = new Set<unknown>();
    for (const [key, child] of entries) {
      this.#checkChild(key, child);
      if (seen.has(child)) throw new Error(`The same queue is given twice (at key ${describeValue(key)})`);
      seen.add(child);
    }
    if (options === undefined) {
      for (const [key, child] of entries) this.#attachWith(key, child as QueueNode<T>, 0, 1, undefined);
      return;
    }
    const { weights, caps, cap, branches, spares } = checkQueueOptions(options, new Set(entries.map(([key]) => key)));
    if (cap !== undefined) this.setCap(cap); // no parent yet: only sets it
    if (spares > 0) this.#spares = new SpareBranches<T>(spares);
    if (branches !== null) extrasOf(this).branches = branches;
    for (const [key, child] of entries) {
      this.#attachWith(key, child as QueueNode<T>, 0, weights.get(key) ?? 1, caps.get(key));
    }
  }

  /**
   * Events queued below this node, paused ones included. Counted on demand over the subtree (no counter is kept
   * on the hot path); loops should test `ready`, which is O(1).
   */
  get size(): number {
    let size = 0;
    for (const child of this.#childList()) size += child.size;
    return size;
  }

  get ready(): boolean {
    const ext = this._extras;
    return this.#head !== null && (ext === null || (ext.counted < ext.cap && !ext.throttled));
  }

  /** @internal */
  get _readyBelow(): boolean {
    return this.#head !== null;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** The child at `key`, or `undefined`. */
  get(key: K): QueueNode<T> | undefined {
    const child = this.#lookup(key);
    return child === undefined || (child._flags & SPARE) !== 0 ? undefined : child;
  }

  /** The children's keys, in the order they were added. */
  keys(): IterableIterator<K> {
    const children = this.#children;
    if (children !== null && this.#spareCount === 0) return children.keys();
    return this.#liveKeys();
  }

  *#liveKeys(): IterableIterator<K> {
    for (const child of this.#childList()) if ((child._flags & SPARE) === 0) yield child._key as K;
  }

  isPaused(key: K): boolean {
    return this.#childAt(key, 'isPaused')._paused;
  }

  /** The weight of the child at `key` (see {@link ChildOptions.weight}). */
  weightOf(key: K): number {
    const ext = this.#childAt(key, 'weightOf')._extras;
    return ext === null ? 1 : ext.weight;
  }

  /**
   * Adds a child; if it holds events (and is below its cap) it joins the back of the rotation. A child with
   * events still active (taken and not released) counts them here and above from now on.
   */
  add(key: K, child: QueueNode<T>, options?: ChildOptions): this {
    this.#checkChild(key, child);
    const { weight = 1, cap }: ChildOptions = options === undefined ? {} : checkChildOptions(options);
    const spare = this.#lookup(key); // `#checkChild` let only a spare through
    if (spare !== undefined) this.#discardSpare(spare);
    this.#attachWith(key, child, 0, weight, cap);
    return this;
  }

  /**
   * Sets how many turns in a row the child at `key` gets at the front of the rotation. It starts its turns afresh:
   * a child at the front now gets up to `weight` more turns before it goes to the back.
   */
  setWeight(key: K, weight: number): this {
    const child = this.#childAt(key, 'setWeight');
    checkPositiveInteger(weight);
    if (child._extras === null && weight === 1) return this; // weight 1 already, and no turns to restart
    const ext = extrasOf(child);
    ext.weight = weight;
    ext.turnsUsed = 0;
    return this;
  }

  /**
   * Removes a child and returns the events still queued below it (paused ones included; in key order, each
   * leaf oldest first). The child is left empty, so nothing is handed out twice.
   */
  delete(key: K): T[] {
    const child = this.#childAt(key, 'delete');
    const events: T[] = [];
    child._drainInto(events);
    const wasReady = this.#head !== null;
    this.#remove(child);
    if (child._linked) this.#leave(child);
    child._parent = null;
    child._flags = 0; // not paused, not created by `push`, out of the rotation (left it above)
    const ext = child._extras;
    if (ext !== null) ext.weight = 1;
    this.#tellIdle(wasReady);
    // Its running events are no longer below this node: they stop counting against the caps here and above.
    if (ext !== null && ext.counted > 0) this._addCounted(-ext.counted);
    return events;
  }

  /** Takes a child out of the rotation; its events stay queued until `resume`. */
  pause(key: K): this {
    const child = this.#childAt(key, 'pause');
    if (child._paused) return this;
    const wasReady = this.#head !== null;
    child._paused = true;
    if (child._linked) this.#leave(child);
    this.#tellIdle(wasReady);
    return this;
  }

  /** Puts a paused child back; if it holds events it joins the back of the rotation. */
  resume(key: K): this {
    const child = this.#childAt(key, 'resume');
    if (!child._paused) return this;
    child._paused = false;
    if (child.ready) this._childReady(child);
    else this._childIdle(child);
    return this;
  }

  /**
   * Queues an event under a key path, creating the nodes and the leaf it names (`['compute1', 'vm1', 'heal']`).
   * Nodes and leaves created this way are removed again once they are empty and not paused, so memory follows
   * what is queued, not how many keys were ever seen (or, with the `spares` option, plus a few kept for reuse).
   */
  push(path: readonly unknown[], item: T): void {
    if (!Array.isArray(path) || path.length === 0) {
      throw new TypeError(`Expected a non-empty array as key path, got ${describeValue(path)}`);
    }
    const last = path.length - 1;
    // Walk the part of the path that exists, checking its shape before anything changes.
    const ext = this._extras;
    const branches = ext === null ? null : ext.branches;
    let node = this as RoundRobinQueue<T, unknown>;
    let depth = 0;
    for (; depth <= last; depth++) {
      const child = node.#lookup(path[depth]);
      if (child === undefined) break;
      // A spare is reused (the leaf's push brings the path back in sight); one that does not fit the path, or that
      // branch options would build differently, goes, and the branch is built afresh.
      if ((child._flags & SPARE) !== 0) {
        if (!fitsPath(child, depth === last, branches)) {
          node.#discardSpare(child);
          break;
        }
        setUpSpare(child, path, depth, branches);
      }
      if (depth === last) {
        if (!(child instanceof FifoQueue))
          throw pathError(path, depth, 'is a node, not a queue: the path is too short');
        child.push(item);
        return;
      }
      if (!(child instanceof RoundRobinQueue))
        throw pathError(path, depth, 'is a queue, not a node: the path is too long');
      node = child;
    }
    if (branches !== null) {
      this.#pushBranch(node, depth, path, item, branches);
      return;
    }
    // Build the missing part bottom-up, already holding the event, then hang it in with one attach.
    const flags = this.#spares === null ? AUTO : AUTO | REUSABLE;
    let branch: QueueNode<T> = new FifoQueue<T>();
    (branch as FifoQueue<T>).push(item);
    for (let d = last; d > depth; d--) {
      const parent = new RoundRobinQueue<T, unknown>();
      parent.#attach(path[d], branch, flags);
      branch = parent;
    }
    node.#attach(path[depth], branch, flags);
  }

  /**
   * `push`'s missing part with weights or caps (`pathWeight`, `pathCaps`). Weights are asked first: a callback
   * that throws (or answers nonsense) leaves the tree as it was.
   */
  #pushBranch(
    node: RoundRobinQueue<T, unknown>,
    depth: number,
    path: readonly unknown[],
    item: T,
    branches: BranchOptions,
  ): void {
    const last = path.length - 1;
    const weights = branchWeights(branches, path, depth);
    const caps = branches.caps;
    const flags = this.#spares === null ? AUTO : AUTO | REUSABLE;
    let branch: QueueNode<T> =
      branches.bound === undefined
        ? new FifoQueue<T>()
        : new BoundedFifoQueue<T>(branches.bound as BoundedFifoQueueOptions<T>);
    (branch as FifoQueue<T>).push(item);
    for (let d = last; d > depth; d--) {
      const parent = new RoundRobinQueue<T, unknown>();
      parent.#attachWith(path[d], branch, flags, weights === null ? 1 : (weights[d - depth] as number), caps?.[d]);
      branch = parent;
    }
    node.#attachWith(path[depth], branch, flags, weights === null ? 1 : (weights[0] as number), caps?.[depth]);
  }

  next(): T | undefined {
    if (this._extras !== null) return this.#nextExt(this._extras);
    // Without extras here there are none below: the plain pull, which never looks at weights or caps.
    if (this.#head === null) return undefined;
    const item = this._take();
    this.#tellIdle(true);
    return item;
  }

  /** `next()` of a node with extras. */
  #nextExt(ext: NodeExtras<T>): T | undefined {
    // Not `throttled`: a tree with rate limits is pulled with `take()`, which their tokens are spent on.
    if (this.#head === null || ext.counted >= ext.cap) return undefined;
    const item = this._takeExt();
    this.#tellIdle(true);
    return item;
  }

  /** @internal */
  _take(): T {
    const child = this.#head as QueueNode<T>;
    const item = child._take();
    if (child._readyBelow)
      this.#head = child._next; // served: to the back of the rotation
    else {
      this.#unlink(child);
      this.#forgetIfPrunable(child);
    }
    return item;
  }

  /** @internal */
  _takeExt(): T {
    const child = this.#head as QueueNode<T>;
    const ext = child._extras;
    if (ext !== null) {
      const item = child._takeExt();
      this.#served(child, ext);
      return item;
    }
    const item = child._take(); // a plain subtree
    if (child._readyBelow) this.#head = child._next;
    else {
      this.#unlink(child);
      this.#forgetIfPrunable(child);
    }
    return item;
  }

  /** @internal */
  _takeCounted(taker: NodeExtras<T>): T {
    const ext = extrasOf(this);
    ext.counted++;
    const child = this.#head as QueueNode<T>;
    const item = child._takeCounted(taker); // gives the child extras (its active count)
    this.#served(child, child._extras as NodeExtras<T>);
    ext.bucket?.spend(this); // before the parent looks whether this node is still ready
    return item;
  }

  /**
   * `_take`'s rotation step for a child with extras (a weight, a cap, counted events): weighted, it stays at the
   * front until it used its turns; empty or at its cap, it leaves the rotation.
   */
  #served(child: QueueNode<T>, ext: NodeExtras<T>): void {
    if (!child.ready) {
      ext.turnsUsed = 0;
      this.#unlink(child);
      this.#forgetIfPrunable(child);
    } else if (ext.weight === 1 || ++ext.turnsUsed >= ext.weight) {
      ext.turnsUsed = 0;
      this.#head = child._next; // to the back of the rotation
    }
  }

  /** @internal */
  _childReady(child: QueueNode<T>): void {
    // A child with extras may call while it is not ready (it dropped below its cap, but is empty).
    if ((child._flags & (PAUSED | LINKED)) !== 0 || (child._extras !== null && !child.ready)) return;
    if ((child._flags & SPARE) !== 0) this.#unspare(child); // reused: back in sight
    const wasIdle = this.#head === null;
    this.#link(child);
    if (wasIdle && this._parent !== null) this._parent._childReady(this);
  }

  /** @internal */
  _childIdle(child: QueueNode<T>): void {
    const wasReady = this.#head !== null;
    if (child._linked && !child.ready) this.#leave(child);
    this.#forgetIfPrunable(child);
    this.#tellIdle(wasReady);
  }

  /** @internal */
  _drainInto(out: T[]): void {
    for (const child of this.#childList()) {
      child._drainInto(out);
      child._linked = false;
      const ext = child._extras;
      if (ext !== null) ext.turnsUsed = 0;
      // One with events still active stays until they are released, so their release walks the same path.
      if (child._auto && !child._paused && (ext === null || ext.counted === 0)) {
        if ((child._flags & SPARE) !== 0) this.#unspare(child);
        this.#prune(child);
      }
    }
    this.#head = null;
  }

  /** @internal */
  _prunable(): boolean {
    const ext = this._extras;
    return this.#childCount() === this.#spareCount && (ext === null || (ext.counted === 0 && ext.bucket === null));
  }

  #checkChild(key: K, child: unknown): asserts child is QueueNode<T> {
    checkChildQueue(this, key, child, this.has(key));
  }

  /**
   * Attaches a child as it is (`push` creates them without extras: weight 1, no cap, nothing active). `flags`:
   * `AUTO` (and `REUSABLE`) for one `push` creates, else 0.
   */
  #attach(key: K, child: QueueNode<T>, flags: number): void {
    // A node with extras needs its ancestors to have them (see `QueueNode._extras`).
    if (child._extras !== null && this._extras === null) extrasOf(this);
    child._parent = this;
    child._key = key;
    child._flags = flags; // not paused, not yet in the rotation
    this.#store(child);
    if (child.ready) this._childReady(child);
  }

  /**
   * Attaches any child with a weight and, unless `undefined`, a cap (its own cap). Extras are allocated only if
   * they change something. A child with events still active counts them here and above from now on.
   */
  #attachWith(key: K, child: QueueNode<T>, flags: number, weight: number, cap: number | undefined): void {
    if (weight !== 1 || child._extras !== null) {
      const ext = extrasOf(child);
      ext.weight = weight;
      ext.turnsUsed = 0;
    }
    if (cap !== undefined) child.setCap(cap); // no parent yet: only sets it (the cap decides whether it is ready)
    this.#attach(key, child, flags);
    const ext = child._extras;
    if (ext !== null && ext.counted > 0) this._addCounted(ext.counted);
  }

  /** The child at `key`, a spare or not. */
  #lookup(key: K): QueueNode<T> | undefined {
    const children = this.#children;
    if (children !== null) return children.get(key);
    const only = this.#only;
    return only !== null && sameKey(only._key, key) ? only : undefined;
  }

  #childCount(): number {
    const children = this.#children;
    return children !== null ? children.size : this.#only === null ? 0 : 1;
  }

  /** The children, spares included, in the order they were added. */
  #childList(): Iterable<QueueNode<T>> {
    const children = this.#children;
    if (children !== null) return children.values();
    return this.#only === null ? [] : [this.#only];
  }

  /** Stores a child under its `_key`, which no other child has; a second child makes the Map. */
  #store(child: QueueNode<T>): void {
    const children = this.#children;
    if (children !== null) children.set(child._key as K, child);
    else if (this.#only === null) this.#only = child;
    else {
      const only = this.#only;
      this.#children = new Map([
        [only._key as K, only],
        [child._key as K, child],
      ]);
      this.#only = null;
    }
  }

  /** Forgets a stored child; a node left with none goes back to holding at most one without a Map. */
  #remove(child: QueueNode<T>): void {
    const children = this.#children;
    if (children === null) this.#only = null;
    else {
      children.delete(child._key as K);
      if (children.size === 0) this.#children = null;
    }
  }

  #childAt(key: K, method: string): QueueNode<T> {
    const child = this.get(key);
    if (child === undefined) throw new Error(`Cannot ${method} key ${describeValue(key)}: no such child`);
    return child;
  }

  /** Forgets (or keeps as a spare, see `SpareBranches`) a child created by `push` once it holds nothing and is not paused. */
  #forgetIfPrunable(child: QueueNode<T>): void {
    const flags = child._flags & (AUTO | PAUSED | LINKED | SPARE | REUSABLE);
    if ((flags === AUTO || flags === (AUTO | REUSABLE)) && child._prunable()) {
      if (flags === AUTO) this.#prune(child);
      else this.#toSpares(child);
    }
  }

  #prune(child: QueueNode<T>): void {
    this.#remove(child);
    child._parent = null;
  }

  /**
   * Keeps an emptied child out of sight, listed in the spares of the nearest node above with the `spares` option
   * (none: a subtree moved elsewhere; it is pruned); the least recently emptied spare there goes.
   */
  #toSpares(child: QueueNode<T>): void {
    const spares = this.#sparesAbove();
    if (spares === null) {
      this.#prune(child);
      return;
    }
    child._flags |= SPARE;
    this.#spareCount++;
    const out = spares.add(child);
    if (out !== null) (out._parent as RoundRobinQueue<T, unknown>).#evictSpare(out);
  }

  /** A spare turns ready again (or goes): back in sight. */
  #unspare(child: QueueNode<T>): void {
    child._flags &= ~SPARE;
    this.#spareCount--;
    (this.#sparesAbove() as SpareBranches<T>).remove(child);
  }

  /** Prunes a spare that the spares let go of. */
  #evictSpare(child: QueueNode<T>): void {
    child._flags &= ~SPARE;
    this.#spareCount--;
    this.#prune(child);
  }

  /** Drops a spare for good, and the spares below it. */
  #discardSpare(child: QueueNode<T>): void {
    if (child instanceof RoundRobinQueue) {
      for (const grandchild of [...child.#childList()])
        if ((grandchild._flags & SPARE) !== 0) child.#discardSpare(grandchild);
    }
    this.#unspare(child);
    this.#prune(child);
  }

  #sparesAbove(): SpareBranches<T> | null {
    let node = this as RoundRobinQueue<T, unknown>;
    while (node.#spares === null && node._parent !== null)
      node = node._parent as unknown as RoundRobinQueue<T, unknown>;
    return node.#spares as SpareBranches<T> | null;
  }

  /**
   * Tells the parent, if any, that this node turned idle (it was ready) or, created by `push`, has no children
   * left and may be forgotten.
   */
  #tellIdle(wasReady: boolean): void {
    const parent = this._parent;
    if (parent === null) return;
    if ((wasReady && this.#head === null) || (this._auto && this.#childCount() === this.#spareCount))
      parent._childIdle(this);
  }

  /** Joins the back of the rotation (just before the front). */
  #link(child: QueueNode<T>): void {
    const head = this.#head;
    child._linked = true;
    if (head === null) {
      child._prev = child._next = child;
      this.#head = child;
      return;
    }
    const tail = head._prev;
    child._prev = tail;
    child._next = head;
    tail._next = child;
    head._prev = child;
  }

  /** Takes a child out of the rotation, its turns at the front forgotten. */
  #leave(child: QueueNode<T>): void {
    if (child._extras !== null) child._extras.turnsUsed = 0;
    this.#unlink(child);
  }

  #unlink(child: QueueNode<T>): void {
    child._linked = false;
    if (child._next === child) {
      this.#head = null;
      return;
    }
    child._prev._next = child._next;
    child._next._prev = child._prev;
    if (this.#head === child) this.#head = child._next;
    child._prev = child._next = child;
  }
}

/**
 * Whether a spare fits where `push` found it: a leaf where the path ends (bounded as `pathBound` says), a node where
 * it goes on. One that does not is dropped, and the branch built anew.
 */
function fitsPath<T>(child: QueueNode<T>, leaf: boolean, branches: BranchOptions | null): boolean {
  const bound = branches === null ? undefined : branches.bound;
  return leaf
    ? child instanceof FifoQueue && (child instanceof BoundedFifoQueue ? child._bound === bound : bound === undefined)
    : child instanceof RoundRobinQueue;
}

/** Whether two keys are the same key for a Map (SameValueZero: `NaN` is `NaN`). */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

function pathError(path: readonly unknown[], depth: number, what: string): TypeError {
  return new TypeError(`Key path ${describeValue(path)}: ${describeValue(path.slice(0, depth + 1))} ${what}`);
}
