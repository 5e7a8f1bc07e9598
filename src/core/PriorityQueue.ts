import { checkChildQueue } from './checkChildQueue.js';
import { checkOptionsObject, checkPositiveInteger, describeValue } from './checks.js';
import { FifoQueue } from './FifoQueue.js';
import { extrasOf, type NodeExtras } from './NodeExtras.js';
import { checkEvery, checkPriorityOptions, type PriorityQueueOptions } from './PriorityQueueOptions.js';
import { QueueNode } from './QueueNode.js';
import { RoundRobinQueue } from './RoundRobinQueue.js';
import { checkChildOptions, type ChildOptions, type QueueChildren } from './RoundRobinQueueOptions.js';

/**
 * A node whose children are priority levels, in order: `next()` serves the first level that is ready (holds an event,
 * is not paused, is below its cap), so an urgent event never waits behind routine ones. Each level is any queue: a
 * `RoundRobinQueue` makes it fair within the level. It sits in a tree like any node (a child of a `RoundRobinQueue`,
 * or the root) and tells its parent when it turns ready or idle, as every node does.
 *
 * Strict by default: a level is served only while no level above it is ready. With `every: n`, at least one dispatch
 * in every n goes to the levels below the first ready one while one of them is ready (round-robin over them), so
 * none starves: see {@link PriorityQueueOptions.every} for the bound. A pick costs O(levels) here, levels being few,
 * and O(depth) below.
 *
 * @example
 * const q = new PriorityQueue<string>({
 *   urgent: new FifoQueue(['heal']),
 *   routine: new FifoQueue(['update', 'upgrade']),
 * });
 * q.next(); // 'heal'
 * q.next(); // 'update'
 */
// A `ParentNode` (checked where a child gets it as `_parent`), not declared: the protocol stays out of the public types.
export class PriorityQueue<T, K = string> extends QueueNode<T> {
  /** The levels, first served first. Few: scanned in order. */
  readonly #levels: QueueNode<T>[] = [];
  /** Levels in the running (`_linked`): ready, not paused. */
  #readyCount = 0;
  #every = Infinity;
  /** Dispatches in a row from the first ready level while a level below it was ready. */
  #streak = 0;
  /** The level that took the latest guarded turn (an index into `#levels`), and how many in a row it took. */
  #cursor = -1;
  #cursorTurns = 0;

  constructor(levels?: QueueChildren<T, K>, options?: PriorityQueueOptions<K>) {
    super();
    if (options !== undefined) checkOptionsObject(options);
    const entries = (levels === undefined ? [] : levels instanceof Map ? [...levels] : Object.entries(levels)) as [
      K,
      unknown,
    ][];
    // Check everything before attaching anything: a constructor that throws must leave no child claimed.
    const seen = new Set<unknown>();
    for (const [key, child] of entries) {
      checkChildQueue(this, key, child, false);
      if (seen.has(child)) throw new Error(`The same queue is given twice (at key ${describeValue(key)})`);
      seen.add(child);
    }
    const checked =
      options === undefined ? undefined : checkPriorityOptions(options, new Set(entries.map(([key]) => key)));
    if (checked !== undefined) {
      if (checked.cap !== undefined) this.setCap(checked.cap); // no parent yet: only sets it
      this.#every = checked.every;
    }
    for (const [key, child] of entries)
      this.#attach(key, child as QueueNode<T>, checked?.weights.get(key) ?? 1, checked?.caps.get(key));
  }

  /** Anti-starvation: at least one dispatch in every `every` goes to the levels below the first ready one. */
  get every(): number {
    return this.#every;
  }

  /** Sets `every` (see {@link PriorityQueueOptions.every}); the count of dispatches in a row starts afresh. */
  setEvery(every: number): this {
    checkEvery(every);
    this.#every = every;
    this.#streak = 0;
    return this;
  }

  /** Events queued below this node, paused ones included; counted on demand over the levels. */
  get size(): number {
    let size = 0;
    for (const level of this.#levels) size += level.size;
    return size;
  }

  get ready(): boolean {
    const ext = this._extras;
    return this.#readyCount > 0 && (ext === null || (ext.counted < ext.cap && !ext.throttled));
  }

  /** @internal */
  get _readyBelow(): boolean {
    return this.#readyCount > 0;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** The level at `key`, or `undefined`. */
  get(key: K): QueueNode<T> | undefined {
    for (const level of this.#levels) if (sameKey(level._key, key)) return level;
    return undefined;
  }

  /** The levels' keys, first served first. */
  keys(): IterableIterator<K> {
    return this.#levels.map((level) => level._key as K)[Symbol.iterator]();
  }

  isPaused(key: K): boolean {
    return this.#levelAt(key, 'isPaused')._paused;
  }

  /** The weight of the level at `key`: its turns in a row among guarded turns (see `every`). */
  weightOf(key: K): number {
    const ext = this.#levelAt(key, 'weightOf')._extras;
    return ext === null ? 1 : ext.weight;
  }

  /** Adds a level below the others (served last); if it holds events it is in the running at once. */
  add(key: K, child: QueueNode<T>, options?: ChildOptions): this {
    checkChildQueue(this, key, child, this.has(key));
    const { weight = 1, cap }: ChildOptions = options === undefined ? {} : checkChildOptions(options);
    this.#attach(key, child, weight, cap);
    return this;
  }

  /** Sets the level's turns in a row among guarded turns (see `every`); it starts them afresh. */
  setWeight(key: K, weight: number): this {
    const child = this.#levelAt(key, 'setWeight');
    checkPositiveInteger(weight);
    if (child._extras === null && weight === 1) return this;
    extrasOf(child).weight = weight;
    if (this.#levels[this.#cursor] === child) this.#cursorTurns = 0;
    return this;
  }

  /**
   * Removes a level and returns the events still queued below it (paused ones included; in key order, each leaf
   * oldest first). The level is left empty, so nothing is handed out twice.
   */
  delete(key: K): T[] {
    const child = this.#levelAt(key, 'delete');
    const events: T[] = [];
    child._drainInto(events);
    const wasReady = this.#readyCount > 0;
    if (child._linked) this.#unlink(child);
    this.#levels.splice(this.#levels.indexOf(child), 1);
    this.#cursor = -1; // the indices moved
    child._parent = null;
    child._flags = 0;
    const ext = child._extras;
    if (ext !== null) ext.weight = 1;
    this.#tellIdle(wasReady);
    // Its running events are no longer below this node: they stop counting against the caps here and above.
    if (ext !== null && ext.counted > 0) this._addCounted(-ext.counted);
    return events;
  }

  /** Takes a level out of the running; its events stay queued until `resume`. */
  pause(key: K): this {
    const child = this.#levelAt(key, 'pause');
    if (child._paused) return this;
    const wasReady = this.#readyCount > 0;
    child._paused = true;
    if (child._linked) this.#unlink(child);
    this.#tellIdle(wasReady);
    return this;
  }

  /** Puts a paused level back in the running, in its place. */
  resume(key: K): this {
    const child = this.#levelAt(key, 'resume');
    if (!child._paused) return this;
    child._paused = false;
    if (child.ready) this._childReady(child);
    return this;
  }

  /**
   * Queues an event under a key path whose first key names a level: a `FifoQueue` level takes `[level]`, a
   * `RoundRobinQueue` level `[level, ...its key path]` (creating the branches as its `push` does). Levels are never
   * created: an unknown one is a TypeError.
   */
  push(path: readonly unknown[], item: T): void {
    if (!Array.isArray(path) || path.length === 0) {
      throw new TypeError(`Expected a non-empty array as key path, got ${describeValue(path)}`);
    }
    const level = this.get(path[0] as K);
    if (level === undefined) {
      throw new TypeError(`Key path ${describeValue(path)}: no level ${describeValue(path[0])}`);
    }
    if (path.length === 1) {
      if (!(level instanceof FifoQueue)) {
        throw new TypeError(`Key path ${describeValue(path)}: level ${describeValue(path[0])} is a node, not a queue`);
      }
      level.push(item);
    } else if (level instanceof RoundRobinQueue || level instanceof PriorityQueue) {
      (level as RoundRobinQueue<T, unknown>).push(path.slice(1), item);
    } else {
      throw new TypeError(`Key path ${describeValue(path)}: level ${describeValue(path[0])} is a queue, not a node`);
    }
  }

  next(): T | undefined {
    if (!this.ready) return undefined;
    const item = this._extras === null ? this._take() : this._takeExt();
    this.#tellIdle(true);
    return item;
  }

  /** @internal */
  _take(): T {
    const level = this.#pick();
    const item = level._take();
    if (!level._readyBelow) this.#unlink(level);
    return item;
  }

  /** @internal */
  _takeExt(): T {
    const level = this.#pick();
    const item = level._extras === null ? level._take() : level._takeExt();
    if (!level.ready) this.#unlink(level);
    return item;
  }

  /** @internal */
  _takeCounted(taker: NodeExtras<T>): T {
    const ext = extrasOf(this);
    ext.counted++;
    const level = this.#pick();
    const item = level._takeCounted(taker);
    if (!level.ready) this.#unlink(level);
    ext.bucket?.spend(this); // before the parent looks whether this node is still ready
    return item;
  }

  /**
   * The level to serve now: the first ready one, or, when `every` says a guarded turn is due, the next ready level
   * below it after the one that took the latest guarded turn. Only called when `ready`.
   */
  #pick(): QueueNode<T> {
    const levels = this.#levels;
    let top = 0;
    while (!(levels[top] as QueueNode<T>)._linked) top++;
    if (this.#readyCount === 1) {
      this.#streak = 0;
      return levels[top] as QueueNode<T>;
    }
    if (this.#streak + 1 < this.#every) {
      this.#streak++;
      return levels[top] as QueueNode<T>;
    }
    this.#streak = 0;
    let at = this.#cursor;
    const current = levels[at];
    if (!(at > top && current !== undefined && current._linked && this.#cursorTurns < weightOf(current))) {
      // The next ready level below `top`, cyclically after the cursor: one exists, since two levels are ready.
      do {
        at++;
        if (at >= levels.length || at <= top) at = top + 1;
      } while (!(levels[at] as QueueNode<T>)._linked);
      this.#cursor = at;
      this.#cursorTurns = 0;
    }
    this.#cursorTurns++;
    return levels[at] as QueueNode<T>;
  }

  /** @internal */
  _childReady(child: QueueNode<T>): void {
    if (child._paused || child._linked || !child.ready) return;
    child._linked = true;
    if (++this.#readyCount === 1 && this._parent !== null) this._parent._childReady(this);
  }

  /** @internal */
  _childIdle(child: QueueNode<T>): void {
    const wasReady = this.#readyCount > 0;
    if (child._linked && !child.ready) this.#unlink(child);
    this.#tellIdle(wasReady);
  }

  /** @internal */
  _drainInto(out: T[]): void {
    for (const level of this.#levels) {
      level._drainInto(out);
      level._linked = false;
    }
    this.#readyCount = 0;
    this.#streak = 0;
  }

  /** @internal Levels are set up by hand, never created by `push`: nothing to prune. */
  _prunable(): boolean {
    return false;
  }

  #attach(key: K, child: QueueNode<T>, weight: number, cap: number | undefined): void {
    if (weight !== 1 || child._extras !== null) extrasOf(child).weight = weight;
    if (cap !== undefined) child.setCap(cap); // no parent yet: only sets it
    // A node with extras needs its ancestors to have them (see `QueueNode._extras`).
    if (child._extras !== null && this._extras === null) extrasOf(this);
    child._parent = this;
    child._key = key;
    child._flags = 0;
    this.#levels.push(child);
    if (child.ready) this._childReady(child);
    const ext = child._extras;
    if (ext !== null && ext.counted > 0) this._addCounted(ext.counted);
  }

  #levelAt(key: K, method: string): QueueNode<T> {
    const level = this.get(key);
    if (level === undefined) throw new Error(`Cannot ${method} key ${describeValue(key)}: no such level`);
    return level;
  }

  #unlink(child: QueueNode<T>): void {
    child._linked = false;
    this.#readyCount--;
  }

  /** Tells the parent, if any, that this node turned idle (it was ready). */
  #tellIdle(wasReady: boolean): void {
    if (wasReady && this.#readyCount === 0 && this._parent !== null) this._parent._childIdle(this);
  }
}

function weightOf<T>(node: QueueNode<T>): number {
  return node._extras === null ? 1 : node._extras.weight;
}

/** Whether two keys are the same key for a Map (SameValueZero: `NaN` is `NaN`). */
function sameKey(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}
