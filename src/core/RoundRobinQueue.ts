import { Bound, BoundedFifoQueue, type BoundedFifoQueueOptions } from './BoundedFifoQueue.js';
import { FifoQueue } from './FifoQueue.js';
import { SpareBranches } from './SpareBranches.js';
import {
  AUTO,
  LINKED,
  PARKED,
  PAUSED,
  QueueNode,
  REUSABLE,
  checkLimit,
  checkWeight,
  describeKey,
  extrasOf,
  type BranchOptions,
  type NodeExtras,
  type ParentNode,
} from './QueueNode.js';

/** The children of a node: a Map (any keys, in its order) or a plain object (string keys, in key order). */
export type QueueChildren<T, K> = ReadonlyMap<K, QueueNode<T>> | Readonly<Record<string, QueueNode<T>>>;

/** A number per child key: a Map, or a plain object for string keys. */
export type PerKey<K, V> = ReadonlyMap<K, V> | Readonly<Record<string, V>>;

/** How a child sits in its node: given to `add`, or per key to the constructor. */
export interface ChildOptions {
  /**
   * Turns in a row the child gets each time it is at the front of the rotation (weighted round-robin).
   * @default 1
   */
  readonly weight?: number;
  /**
   * The most events below the child active at once (counted by `take`/`release`); at it, the child leaves the
   * rotation until one is released. Sets the child's own cap (`child.setCap`).
   * @default the child's own cap, Infinity unless set
   */
  readonly cap?: number;
}

export interface RoundRobinQueueOptions<K, T = unknown> {
  /** Weights of the children given to the constructor, by key (see {@link ChildOptions.weight}). */
  readonly weights?: PerKey<K, number>;
  /** Caps of the children given to the constructor, by key (see {@link ChildOptions.cap}). */
  readonly caps?: PerKey<K, number>;
  /** This node's own cap (see {@link QueueNode.setCap}). @default Infinity */
  readonly cap?: number;
  /**
   * For the nodes and leaves that `push(path, …)` creates below this node, `depth` 0 being its children: the
   * weight of the one at `path[depth]`, asked once when it is created (so again after it was pruned, or when it
   * is reused from `spares`).
   * @default () => 1
   */
  readonly pathWeight?: (path: readonly unknown[], depth: number) => number;
  /** For the nodes and leaves that `push` creates: the cap at each depth (`[2, 1]`: 2 per host, 1 per VM). */
  readonly pathCaps?: readonly number[];
  /**
   * For the leaves that `push(path, …)` creates: each is a {@link BoundedFifoQueue} with these options (one
   * `onDrop` for all of them; its `path` argument tells them apart). A full leaf applies the policy on `push`.
   * @default unbounded leaves
   */
  readonly pathBound?: BoundedFifoQueueOptions<T>;
  /**
   * How many emptied branches of those `push` creates this node keeps for reuse (least recently emptied go first).
   * A kept branch is hidden from `has`, `get`, `keys`, `size` and every other method, as if pruned, and is reused
   * when `push` names it again: for key paths that come back in bursts, where building them anew each time is the
   * cost. It keeps its first place in key order. A reused branch is as one built anew: each node has the cap of its
   * depth in `pathCaps` and its weight from `pathWeight` (asked again) or 1, each leaf is bounded by `pathBound`,
   * empty. A kept leaf keeps its ring buffer if it has at most 1,024 slots (a larger one goes as it empties), so a
   * burst that comes back finds it grown: at most 8 KB a leaf.
   * @default 0: pruned at once
   */
  readonly spares?: number;
}

/**
 * A round-robin node over keyed children, each a `FifoQueue` or another `RoundRobinQueue` (the seed's
 * `RoundRobin`). `next()` asks the child at the front of the rotation for one event; that child goes to the
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
export class RoundRobinQueue<T, K = string> extends QueueNode<T> implements ParentNode<T> {
  /**
   * Every child by key, in the order they were added; `null` while the node has at most one child, which is then
   * `#only`. The branches `push` creates mostly hold one child each (one VM of a host, one policy of a VM), and a
   * Map for each, made, filled and emptied as the branch comes and goes, cost `by` in stream mode over 30,000
   * uniform keys 1.6x the time it takes without (bench/ab.mjs, case 2).
   */
  #children: Map<K, QueueNode<T>> | null = null;
  /** The only child (its key is its `_key`) while `#children` is `null`; `null` when there is none. */
  #only: QueueNode<T> | null = null;
  /** Front of the rotation, a circular list of the ready children; `null` when none is ready. */
  #head: QueueNode<T> | null = null;
  /** Children held that are parked: empty, kept for reuse, hidden from every method. */
  #parked = 0;
  /** With the `spares` option: the branches parked below this node, least recently parked first. */
  #spares: SpareBranches<T> | null = null;

  constructor(children?: QueueChildren<T, K>, options?: RoundRobinQueueOptions<K, T>) {
    super();
    // `push(path)` creates nodes by the thousand: a bare node does no work here, and the constructor stays small.
    if (children !== undefined || options !== undefined) this.#init(children, options);
  }

  #init(children: QueueChildren<T, K> | undefined, options: RoundRobinQueueOptions<K, T> | undefined): void {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError(`Expected an options object, got ${describeKey(options)}`);
    }
    const entries = (
      children === undefined ? [] : children instanceof Map ? [...children] : Object.entries(children)
    ) as [K, unknown][];
    // Check everything before attaching anything: a constructor that throws must leave no child claimed.
    const seen = new Set<unknown>();
    for (const [key, child] of entries) {
      this.#checkChild(key, child);
      if (seen.has(child)) throw new Error(`The same queue is given twice (at key ${describeKey(key)})`);
      seen.add(child);
    }
    if (options === undefined) {
      for (const [key, child] of entries) this.#attachWith(key, child as QueueNode<T>, 0, 1, undefined);
      return;
    }
    const keys = new Set(entries.map(([key]) => key));
    const weights = perKey(options.weights, keys, 'weights', checkWeight);
    const caps = perKey(options.caps, keys, 'caps', checkLimit);
    if (options.cap !== undefined) checkLimit(options.cap);
    const { pathWeight, pathCaps, pathBound } = options;
    if (pathWeight !== undefined && typeof pathWeight !== 'function') {
      throw new TypeError(`Expected \`pathWeight\` to be a function, got ${describeKey(pathWeight)}`);
    }
    if (pathCaps !== undefined) {
      if (!Array.isArray(pathCaps))
        throw new TypeError(`Expected \`pathCaps\` to be an array, got ${describeKey(pathCaps)}`);
      pathCaps.forEach((cap, depth) => checkLimit(cap, `\`pathCaps[${depth}]\``));
    }
    const bound = pathBound === undefined ? undefined : Bound.check(pathBound);
    const { spares = 0 } = options;
    if (typeof spares !== 'number' || !Number.isInteger(spares) || spares < 0) {
      throw new TypeError(`Expected \`spares\` to be a non-negative integer, got ${describeKey(spares)}`);
    }
    if (options.cap !== undefined) this.setCap(options.cap); // no parent yet: only sets it
    if (spares > 0) this.#spares = new SpareBranches<T>(spares);
    // Stored only when it changes something: `push` then builds branches exactly as without options.
    if (
      pathWeight !== undefined ||
      pathBound !== undefined ||
      (pathCaps !== undefined && pathCaps.some((cap) => cap !== Infinity))
    ) {
      extrasOf(this).branches = { weight: pathWeight, caps: pathCaps === undefined ? undefined : [...pathCaps], bound };
    }
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
    return this.#head !== null && (this._ext === null || this._ext.active < this._ext.cap);
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
    return child === undefined || (child._flags & PARKED) !== 0 ? undefined : child;
  }

  /** The children's keys, in the order they were added. */
  keys(): IterableIterator<K> {
    const children = this.#children;
    if (children !== null && this.#parked === 0) return children.keys();
    return this.#liveKeys();
  }

  *#liveKeys(): IterableIterator<K> {
    for (const child of this.#childList()) if ((child._flags & PARKED) === 0) yield child._key as K;
  }

  isPaused(key: K): boolean {
    return this.#childAt(key, 'isPaused')._paused;
  }

  /** The weight of the child at `key` (see {@link ChildOptions.weight}). */
  weightOf(key: K): number {
    const ext = this.#childAt(key, 'weightOf')._ext;
    return ext === null ? 1 : ext.weight;
  }

  /**
   * Adds a child; if it holds events (and is below its cap) it joins the back of the rotation. A child with
   * events still active (taken and not released) counts them here and above from now on.
   */
  add(key: K, child: QueueNode<T>, options?: ChildOptions): this {
    this.#checkChild(key, child);
    const { weight = 1, cap }: ChildOptions = options === undefined ? {} : checkChildOptions(options);
    const parked = this.#lookup(key);
    if (parked !== undefined) this.#discard(parked);
    this.#attachWith(key, child, 0, weight, cap);
    return this;
  }

  /**
   * Sets how many turns in a row the child at `key` gets at the front of the rotation. It starts its turns afresh:
   * a child at the front now gets up to `weight` more turns before it goes to the back.
   */
  setWeight(key: K, weight: number): this {
    const child = this.#childAt(key, 'setWeight');
    checkWeight(weight);
    if (child._ext === null && weight === 1) return this; // weight 1 already, and no turns to restart
    const ext = extrasOf(child);
    ext.weight = weight;
    ext.used = 0;
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
    const ext = child._ext;
    if (ext !== null) ext.weight = 1;
    this.#tellIdle(wasReady);
    // Its running events are no longer below this node: they stop counting against the caps here and above.
    if (ext !== null && ext.active > 0) this._countActive(-ext.active);
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
      throw new TypeError(`Expected a non-empty array as key path, got ${describeKey(path)}`);
    }
    const last = path.length - 1;
    // Walk the part of the path that exists, checking its shape before anything changes.
    const ext = this._ext;
    const branches = ext === null ? null : ext.branches;
    let node = this as RoundRobinQueue<T, unknown>;
    let depth = 0;
    for (; depth <= last; depth++) {
      const child = node.#lookup(path[depth]);
      if (child === undefined) break;
      // A parked branch is reused (the leaf's push unparks the path); one that does not fit the path, or that
      // branch options would build differently, goes, and the branch is built afresh.
      if ((child._flags & PARKED) !== 0 && !reuse(child, path, depth, depth === last, branches)) {
        node.#discard(child);
        break;
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
    if (this._ext !== null) return this.#nextExt(this._ext);
    // Without extras here there are none below: the plain pull, which never looks at weights or caps.
    if (this.#head === null) return undefined;
    const item = this._take();
    this.#tellIdle(true);
    return item;
  }

  /** `next()` of a node with extras. */
  #nextExt(ext: NodeExtras<T>): T | undefined {
    if (this.#head === null || ext.active >= ext.cap) return undefined;
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
    const ext = child._ext;
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
    extrasOf(this).active++;
    const child = this.#head as QueueNode<T>;
    const item = child._takeCounted(taker); // gives the child extras (its active count)
    this.#served(child, child._ext as NodeExtras<T>);
    return item;
  }

  /**
   * `_take`'s rotation step for a child with extras (a weight, a cap, counted events): weighted, it stays at the
   * front until it used its turns; empty or at its cap, it leaves the rotation.
   */
  #served(child: QueueNode<T>, ext: NodeExtras<T>): void {
    if (!child.ready) {
      ext.used = 0;
      this.#unlink(child);
      this.#forgetIfPrunable(child);
    } else if (ext.weight === 1 || ++ext.used >= ext.weight) {
      ext.used = 0;
      this.#head = child._next; // to the back of the rotation
    }
  }

  /** @internal */
  _childReady(child: QueueNode<T>): void {
    // A child with extras may call while it is not ready (it dropped below its cap, but is empty).
    if ((child._flags & (PAUSED | LINKED)) !== 0 || (child._ext !== null && !child.ready)) return;
    if ((child._flags & PARKED) !== 0) this.#unpark(child); // reused: back in sight
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
      const ext = child._ext;
      if (ext !== null) ext.used = 0;
      // One with events still active stays until they are released, so their release walks the same path.
      if (child._auto && !child._paused && (ext === null || ext.active === 0)) {
        if ((child._flags & PARKED) !== 0) this.#unpark(child);
        this.#prune(child);
      }
    }
    this.#head = null;
  }

  /** @internal */
  _prunable(): boolean {
    return this.#childCount() === this.#parked && (this._ext === null || this._ext.active === 0);
  }

  #checkChild(key: K, child: unknown): asserts child is QueueNode<T> {
    if (!(child instanceof QueueNode)) {
      // A queue of the other build (ESM or CJS) of this library looks right but shares no internals with this one.
      if (child !== null && typeof child === 'object' && '_parent' in child && '_flags' in child) {
        throw new TypeError(
          `The queue given at key ${describeKey(key)} was built by another copy of rxjs-fair (its ESM and CJS builds, or two installs): build the whole tree with one copy`,
        );
      }
      throw new TypeError(
        `Expected a FifoQueue or RoundRobinQueue at key ${describeKey(key)}, got ${describeKey(child)}`,
      );
    }
    if (this.has(key)) throw new Error(`Key ${describeKey(key)} is already in this node`);
    if (child._parent !== null) throw new Error(`The queue given at key ${describeKey(key)} already has a parent`);
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a walk up the parents, from this node
    for (let node: unknown = this; node !== null; node = (node as QueueNode<T>)._parent) {
      if (node === child) throw new Error(`The node given at key ${describeKey(key)} would contain itself`);
    }
  }

  /**
   * Attaches a child as it is (`push` creates them without extras: weight 1, no cap, nothing active). `flags`:
   * `AUTO` (and `REUSABLE`) for one `push` creates, else 0.
   */
  #attach(key: K, child: QueueNode<T>, flags: number): void {
    // A node with extras needs its ancestors to have them (see `QueueNode._ext`).
    if (child._ext !== null && this._ext === null) extrasOf(this);
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
    if (weight !== 1 || child._ext !== null) {
      const ext = extrasOf(child);
      ext.weight = weight;
      ext.used = 0;
    }
    if (cap !== undefined) child.setCap(cap); // no parent yet: only sets it (the cap decides whether it is ready)
    this.#attach(key, child, flags);
    const ext = child._ext;
    if (ext !== null && ext.active > 0) this._countActive(ext.active);
  }

  /** The child at `key`, parked or not. */
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

  /** The children, parked ones included, in the order they were added. */
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
    if (child === undefined) throw new Error(`Cannot ${method} key ${describeKey(key)}: no such child`);
    return child;
  }

  /** Forgets (or parks, see `SpareBranches`) a child created by `push` once it holds nothing and is not paused. */
  #forgetIfPrunable(child: QueueNode<T>): void {
    const flags = child._flags & (AUTO | PAUSED | LINKED | PARKED | REUSABLE);
    if ((flags === AUTO || flags === (AUTO | REUSABLE)) && child._prunable()) {
      if (flags === AUTO) this.#prune(child);
      else this.#park(child);
    }
  }

  #prune(child: QueueNode<T>): void {
    this.#remove(child);
    child._parent = null;
  }

  /**
   * Keeps an emptied child out of sight, listed in the spares of the nearest node above with the `spares` option
   * (none: a subtree moved elsewhere; it is pruned); the least recently parked one there goes.
   */
  #park(child: QueueNode<T>): void {
    const spares = this.#sparesAbove();
    if (spares === null) {
      this.#prune(child);
      return;
    }
    child._flags |= PARKED;
    this.#parked++;
    const out = spares.add(child);
    if (out !== null) (out._parent as RoundRobinQueue<T, unknown>).#evict(out);
  }

  /** A parked child turns ready again (or goes): back in sight. */
  #unpark(child: QueueNode<T>): void {
    child._flags &= ~PARKED;
    this.#parked--;
    (this.#sparesAbove() as SpareBranches<T>).remove(child);
  }

  /** Prunes a parked child that the spares let go of. */
  #evict(child: QueueNode<T>): void {
    child._flags &= ~PARKED;
    this.#parked--;
    this.#prune(child);
  }

  /** Drops a parked child for good, and the parked branches below it. */
  #discard(child: QueueNode<T>): void {
    if (child instanceof RoundRobinQueue) {
      for (const grandchild of [...child.#childList()])
        if ((grandchild._flags & PARKED) !== 0) child.#discard(grandchild);
    }
    this.#unpark(child);
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
    if ((wasReady && this.#head === null) || (this._auto && this.#childCount() === this.#parked))
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
    if (child._ext !== null) child._ext.used = 0;
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
 * Readies a parked `child` at `path[depth]` for reuse by `push` as if it were built anew, or says it cannot be: it
 * has the other shape (a node where the path ends, or a leaf where it goes on), or is a leaf not bounded as
 * `pathBound` says. Its weight is asked again (`pathWeight`, else 1) and its cap is the one of its depth again
 * (`setCap` and `setWeight` may have changed them while it was in sight); nothing is active in a parked branch. A
 * `pathWeight` that throws leaves nothing changed in sight: a parked branch is set up again each time it is reused.
 */
function reuse<T>(
  child: QueueNode<T>,
  path: readonly unknown[],
  depth: number,
  leaf: boolean,
  branches: BranchOptions | null,
): boolean {
  const bound = branches === null ? undefined : branches.bound;
  if (
    leaf
      ? !(child instanceof FifoQueue) ||
        (child instanceof BoundedFifoQueue ? child._bound !== bound : bound !== undefined)
      : !(child instanceof RoundRobinQueue)
  ) {
    return false;
  }
  const weightOf = branches === null ? undefined : branches.weight;
  const weight = weightOf === undefined ? 1 : askWeight(weightOf, path, depth);
  const cap = branches === null || branches.caps === undefined ? undefined : branches.caps[depth];
  let ext = child._ext;
  if (ext === null) {
    if (weight === 1 && cap === undefined) return true;
    ext = extrasOf(child); // and its ancestors', if missing
  }
  ext.weight = weight;
  ext.used = 0;
  ext.cap = cap ?? Infinity; // nothing active: open under any cap, so no parent needs telling
  ext.taken = null;
  return true;
}

/** The weights of the branches `push` creates at `path[from]` and below; `null` when all are 1. */
function branchWeights(branches: BranchOptions, path: readonly unknown[], from: number): number[] | null {
  const weightOf = branches.weight;
  if (weightOf === undefined) return null;
  const weights: number[] = [];
  for (let d = from; d < path.length; d++) weights.push(askWeight(weightOf, path, d));
  return weights;
}

/** `pathWeight`'s answer for the branch at `path[depth]`, checked. */
function askWeight(
  weightOf: (path: readonly unknown[], depth: number) => number,
  path: readonly unknown[],
  depth: number,
): number {
  const at = path.slice(0, depth + 1);
  const weight = weightOf(at, depth);
  checkWeight(weight, `the weight of ${describeKey(at)}`);
  return weight;
}

/** Whether two keys are the same key for a Map (SameValueZero: `NaN` is `NaN`). */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/** @internal Checks a per-key option (`weights`, `caps`) against the children given, and returns it as a Map. */
export function perKey<K>(
  given: PerKey<K, number> | undefined,
  keys: ReadonlySet<K>,
  name: string,
  check: (value: unknown, what: string) => void,
): Map<K, number> {
  if (given === undefined) return new Map();
  if (given === null || typeof given !== 'object')
    throw new TypeError(`Expected \`${name}\` to be a Map or an object, got ${describeKey(given)}`);
  const entries = (given instanceof Map ? [...given] : Object.entries(given)) as [K, unknown][];
  for (const [key, value] of entries) {
    if (!keys.has(key)) throw new Error(`Cannot set \`${name}\` of key ${describeKey(key)}: no such child`);
    check(value, `\`${name}\` of key ${describeKey(key)}`);
  }
  return new Map(entries as [K, number][]);
}

/** Checks the options of `add`. */
export function checkChildOptions<O extends ChildOptions>(options: O): O {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`Expected an options object, got ${describeKey(options)}`);
  if (options.weight !== undefined) checkWeight(options.weight);
  if (options.cap !== undefined) checkLimit(options.cap);
  return options;
}

function pathError(path: readonly unknown[], depth: number, what: string): TypeError {
  return new TypeError(`Key path ${describeKey(path)}: ${describeKey(path.slice(0, depth + 1))} ${what}`);
}
