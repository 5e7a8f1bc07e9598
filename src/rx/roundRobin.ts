import { Observable, isObservable, type Subscriber } from 'rxjs';
import { checkLimit, checkPerKey, checkPositiveInteger, checkOptionsObject, describeValue } from '../core/checks.js';
import type { PriorityQueue } from '../core/PriorityQueue.js';
import { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import { checkChildOptions, type ChildOptions, type PerKey } from '../core/RoundRobinQueueOptions.js';
import { FAIR_NODE, hasBrand, type FairNode } from './brands.js';
import { Connection } from './Connection.js';
import { dispatch } from './dispatchInternals.js';
import type { FairSink, FairSource } from './fairProtocol.js';
import { checkLeafBound, type LeafBound } from './LeafBound.js';
import { Mount, type Part } from './Mount.js';

/** The children of a node: a Map (any keys, in its order) or a plain object (string keys, in key order). */
export type RoundRobinChildren<T, K> = ReadonlyMap<K, Observable<T>> | Readonly<Record<string, Observable<T>>>;

export interface RoundRobinOptions<K, T = unknown> {
  /**
   * Turns in a row each child gets at the front of the rotation, by key (weighted round-robin); children not
   * named have weight 1. See {@link RoundRobin.setWeight}.
   */
  readonly weights?: PerKey<K, number>;
  /**
   * The most projections active at once below each child, by key (a Subject leaf included). See
   * {@link RoundRobin.setCap}.
   */
  readonly caps?: PerKey<K, number>;
  /**
   * The most projections active at once below this node, wherever it sits. See {@link RoundRobin.setCap}.
   * @default Infinity
   */
  readonly cap?: number;
  /**
   * Bounds of leaf children (Observables, not `roundRobin` nodes), by key: each subscription queues at most `size`
   * events of that leaf, paused or not, and applies `overflow` to one more. See {@link LeafBound}.
   */
  readonly bounds?: PerKey<K, LeafBound<T>>;
}

/** How a child joins with `add`: its weight and cap, and for a leaf its bound. */
export interface AddOptions<T> extends ChildOptions {
  /** The leaf's bound (see {@link RoundRobinOptions.bounds}); a TypeError for a `roundRobin` node. */
  readonly bound?: LeafBound<T>;
}

/**
 * Subscribes a node for a fair consumer: its leaves queue their events in a fresh tree that the consumer pulls
 * from. Used by the node itself (subscribed directly) and, as the node's brand, by `fairMergeMap`.
 */
function connectNode<T>(node: RoundRobin<T, unknown>, sink: FairSink<T>): FairSource<T> {
  return new Connection(sink, node);
}

/**
 * A node subscribed directly: there is nothing to be fair about, so each event is emitted as it arrives, except those
 * of paused children, which wait for `resume`. One function for every node (called with the node as `this`), rather
 * than a closure made by each constructor.
 */
function subscribeNode<T>(this: Observable<T>, subscriber: Subscriber<T>): void {
  dispatch<T, T>(subscriber, (sink) => connectNode(this as RoundRobin<T, unknown>, sink), null, Infinity);
}

/** A node's brand (`FAIR_NODE`): one function for every node, called with the node as `this`. */
function connectThis<T>(this: RoundRobin<T, unknown>, sink: FairSink<T>): FairSource<T> {
  return connectNode(this, sink);
}

/**
 * A round-robin merge of keyed children: Subjects or any Observables (leaves) and other `RoundRobin` nodes.
 * Returned by {@link roundRobin}; see there.
 */
export class RoundRobin<T, K = string> extends Observable<T> {
  /** The children by key, in rotation order for children that are given or added together. */
  readonly #children = new Map<K, Observable<T>>();
  /** The paused children, `null` until one is paused: most nodes never pause one, and a Set costs per node. */
  #paused: Set<K> | null = null;
  /** Weights, caps and bounds, `null` until one is set: a node without them carries no Maps. */
  #settings: NodeSettings<K, T> | null = null;
  /** Every live instance of this node, one per subscription (and per place it sits in a subscribed tree). */
  readonly #mounts = new Set<Mount<T, K>>();

  constructor(children?: RoundRobinChildren<T, K>, options?: RoundRobinOptions<K, T>) {
    super(subscribeNode);
    if (options !== undefined) checkOptionsObject(options);
    const entries = (
      children === undefined ? [] : children instanceof Map ? [...children] : Object.entries(children)
    ) as [K, unknown][];
    for (const [key, child] of entries) this.#checkChild(key, child);
    if (options !== undefined) this.#setOptions(entries, options);
    for (const [key, child] of entries) this.#children.set(key, child as Observable<T>);
    // Set here rather than as a class member: a computed key would keep the class in bundles that never use it.
    (this as unknown as { [FAIR_NODE]: FairNode<T>[typeof FAIR_NODE] })[FAIR_NODE] =
      connectThis as FairNode<T>[typeof FAIR_NODE];
  }

  /** Checks the constructor's options, then keeps those that change something (nothing is set if one is bad). */
  #setOptions(entries: readonly [K, unknown][], options: RoundRobinOptions<K, T>): void {
    const keys = new Set(entries.map(([key]) => key));
    const weights = checkPerKey<K, number>(options.weights, keys, 'weights', checkPositiveInteger);
    const caps = checkPerKey<K, number>(options.caps, keys, 'caps', checkLimit);
    if (options.cap !== undefined) checkLimit(options.cap);
    const bounds = checkBounds(options.bounds, new Map(entries));
    for (const [key, weight] of weights) if (weight !== 1) this.#options().weights.set(key, weight);
    for (const [key, cap] of caps) if (cap !== Infinity) this.#options().caps.set(key, cap);
    if (options.cap !== undefined && options.cap !== Infinity) this.#options().cap = options.cap;
    for (const [key, bound] of bounds) this.#options().bounds.set(key, bound);
  }

  #options(): NodeSettings<K, T> {
    return (
      this.#settings ?? (this.#settings = { weights: new Map(), caps: new Map(), cap: Infinity, bounds: new Map() })
    );
  }

  /**
   * Events queued below this node and not yet dispatched (paused ones included), across its subscriptions.
   * Counted on demand over the subtree.
   */
  get size(): number {
    let size = 0;
    for (const mount of this.#mounts) size += mount.queue.size;
    return size;
  }

  has(key: K): boolean {
    return this.#children.has(key);
  }

  /** The children's keys, in the order they were given or added. */
  keys(): IterableIterator<K> {
    return this.#children.keys();
  }

  isPaused(key: K): boolean {
    this.#checkKnown(key, 'isPaused');
    return this.#paused?.has(key) === true;
  }

  /** The weight of the child at `key`. */
  weightOf(key: K): number {
    this.#checkKnown(key, 'weightOf');
    return this.#settings?.weights.get(key) ?? 1;
  }

  /**
   * This node's own cap, or with a key the cap set for that child (`Infinity`: none). A child node's own cap and
   * the cap its parent sets for it both apply.
   */
  capOf(key?: K): number {
    if (arguments.length === 0) return this.#settings?.cap ?? Infinity;
    this.#checkKnown(key as K, 'capOf');
    return this.#settings?.caps.get(key as K) ?? Infinity;
  }

  /** The bound of the leaf at `key` (the `bounds` option), or `undefined`: unbounded. */
  boundOf(key: K): LeafBound<T> | undefined {
    this.#checkKnown(key, 'boundOf');
    return this.#settings?.bounds.get(key);
  }

  /**
   * Adds a child; while subscribed, it is subscribed at once and joins the back of the rotation. `weight`, `cap`
   * (as `setWeight(key, w)` and `setCap(key, n)` would set them) and a leaf's `bound` apply before it is
   * subscribed, so they hold for the events a synchronous source emits during `add`.
   */
  add(key: K, child: Observable<T>, options?: AddOptions<T>): this {
    this.#checkChild(key, child);
    const { weight = 1, cap = Infinity, bound } = options === undefined ? {} : checkChildOptions(options);
    if (bound !== undefined) checkBounds(new Map([[key, bound]]), new Map([[key, child]]));
    this.#children.set(key, child);
    if (weight !== 1) this.#options().weights.set(key, weight);
    if (cap !== Infinity) this.#options().caps.set(key, cap);
    if (bound !== undefined) this.#options().bounds.set(key, bound);
    for (const mount of [...this.#mounts]) {
      mount.conn.start(mount.attach(key, child, weight, cap, false, bound));
      mount.conn.sink.check();
    }
    return this;
  }

  /**
   * Sets how many turns in a row the child at `key` gets at the front of the rotation (weighted round-robin: it
   * is served until it used them or ran empty, then goes to the back). It starts its turns afresh: a child at the
   * front now gets up to `weight` more turns.
   */
  setWeight(key: K, weight: number): this {
    this.#checkKnown(key, 'setWeight');
    checkPositiveInteger(weight);
    if (weight !== 1) this.#options().weights.set(key, weight);
    else this.#settings?.weights.delete(key);
    for (const mount of this.#mounts) mount.queue.setWeight(key, weight);
    return this;
  }

  /**
   * Caps how many projections may be active at once below this node (`setCap(2)`), or below one child
   * (`setCap('vm1', 1)`, a Subject leaf included). A node at its cap leaves its parent's rotation, and rejoins at
   * the back once one of its projections completes; the other nodes keep every free slot busy. `Infinity`
   * removes the cap. Lowering it cancels nothing: the node waits until enough projections completed.
   *
   * Counting is switched on for a subscription once its tree has a cap (it costs nothing before): projections
   * already running when the first cap of a subscription was set are not counted.
   */
  setCap(cap: number): this;
  setCap(key: K, cap: number): this;
  setCap(...args: [number] | [K, number]): this {
    if (args.length === 1) {
      const [cap] = args;
      checkLimit(cap);
      if (cap !== Infinity || this.#settings !== null) this.#options().cap = cap;
      for (const mount of [...this.#mounts]) {
        mount.setOwnCap(cap);
        mount.conn.sink.arrived();
      }
      return this;
    }
    const [key, cap] = args;
    this.#checkKnown(key, 'setCap');
    checkLimit(cap);
    if (cap !== Infinity) this.#options().caps.set(key, cap);
    else this.#settings?.caps.delete(key);
    for (const mount of [...this.#mounts]) {
      (mount.parts.get(key) as Part<T>).setSlotCap(cap);
      mount.conn.sink.arrived();
    }
    return this;
  }

  /**
   * Removes a child and unsubscribes what is below it. Returns the events still queued below it, so nothing
   * vanishes (in key order, each leaf oldest first).
   */
  delete(key: K): T[] {
    this.#checkKnown(key, 'delete');
    this.#children.delete(key);
    this.#paused?.delete(key);
    this.#settings?.weights.delete(key);
    this.#settings?.caps.delete(key);
    this.#settings?.bounds.delete(key);
    const events: T[] = [];
    for (const mount of [...this.#mounts]) {
      const handedBack = mount.detach(key);
      mount.conn.queued -= handedBack.length;
      for (const event of handedBack) events.push(event);
      // Its running projections no longer count against the caps above it: that may free a turn.
      if (mount.conn.tracking) mount.conn.sink.arrived();
      mount.conn.sink.check();
    }
    return events;
  }

  /** Keeps a child's events but skips it until `resume` (a host in MAINTENANCE, a VM that is DOWN). */
  pause(key: K): this {
    this.#checkKnown(key, 'pause');
    (this.#paused ??= new Set()).add(key);
    for (const mount of this.#mounts) mount.queue.pause(key);
    return this;
  }

  /** Puts a paused child back at the back of the rotation. */
  resume(key: K): this {
    this.#checkKnown(key, 'resume');
    this.#paused?.delete(key);
    for (const mount of [...this.#mounts]) {
      mount.queue.resume(key);
      mount.conn.sink.arrived();
    }
    return this;
  }

  #checkKnown(key: K, method: string): void {
    if (!this.#children.has(key)) throw new Error(`Cannot ${method} key ${describeValue(key)}: no such child`);
  }

  #checkChild(key: K, child: unknown): asserts child is Observable<T> {
    if (!isObservable(child)) {
      throw new TypeError(
        `Expected an Observable or a roundRobin node at key ${describeValue(key)}, got ${describeValue(child)}`,
      );
    }
    if (this.#children.has(key)) throw new Error(`Key ${describeValue(key)} is already in this node`);
    if (child instanceof RoundRobin) {
      if (child === this || child.#contains(this))
        throw new Error(`The node given at key ${describeValue(key)} would contain itself`);
    } else if (hasBrand(child, 'roundRobin')) {
      // Mounted as a leaf it would emit its events as they come, unfairly; a tree's parts share internals that
      // are no protocol between copies, so the tree must be built with one copy.
      throw new TypeError(
        `The node given at key ${describeValue(key)} was built by another copy of rxjs-fair (its ESM and CJS builds, or two installs): ` +
          'build the whole tree with one copy',
      );
    }
  }

  #contains(node: RoundRobin<T, unknown>): boolean {
    for (const child of this.#children.values()) {
      if (child === node || (child instanceof RoundRobin && child.#contains(node))) return true;
    }
    return false;
  }

  /** @internal The core node of one subscription's instance (a `priority` node has its own). */
  _queue(): RoundRobinQueue<T, K> | PriorityQueue<T, K> {
    return new RoundRobinQueue<T, K>();
  }

  /** @internal Builds this node's instance for one subscription: a core node with a leaf queue per Observable child. */
  _mount(conn: Connection<T>): Mount<T, K> {
    const mount = new Mount<T, K>(conn, this.#mounts, this._queue());
    this.#mounts.add(mount);
    const ext = this.#settings;
    if (ext !== null) mount.setOwnCap(ext.cap);
    for (const [key, child] of this.#children) {
      const paused = this.#paused?.has(key) === true;
      if (ext === null) mount.attach(key, child, 1, Infinity, paused);
      else
        mount.attach(key, child, ext.weights.get(key) ?? 1, ext.caps.get(key) ?? Infinity, paused, ext.bounds.get(key));
    }
    return mount;
  }
}

/**
 * Creates a round-robin merge of keyed children: Subjects or any Observables, and other `roundRobin` nodes.
 *
 * Piped into {@link fairMergeMap}, the node is pulled: the next event is taken, in rotation order, only when a
 * slot frees, and the backlog waits in each leaf's ring buffer. A node serves the child at the front of its
 * rotation one event and puts it at the back if it still holds events; empty and paused children are not in the
 * rotation. So with a backlog, a quiet child's event waits about one turn of each busy sibling.
 *
 * Subscribed directly, a node emits each event as it arrives (nothing to be fair about). A node with leaves
 * completes once all of them completed and nothing is queued; an empty node stays open for `add`.
 *
 * ```
 * heal$:   -a-b-c-|       cloud.pipe(fairMergeMap(act, 1)), each action 2 frames:
 * scale$:  -x-----|       dispatched: a x b c
 * ```
 *
 * @example
 * const vm1 = roundRobin({ heal: heal1$, scaleOut: out1$ });
 * const host1 = roundRobin({ vm1, vm2 });
 * const cloud = roundRobin({ compute1: host1, compute2: host2 });
 * cloud.pipe(fairMergeMap((event) => act(event), 16)).subscribe();
 * cloud.pause('compute2'); // keeps its events until resume
 * cloud.delete('compute1'); // returns the events still queued below it
 */
export function roundRobin<T>(
  children?: Readonly<Record<string, Observable<T>>>,
  options?: RoundRobinOptions<string, NoInfer<T>>,
): RoundRobin<T, string>;
export function roundRobin<T, K>(
  children: ReadonlyMap<K, Observable<T>>,
  options?: RoundRobinOptions<K, NoInfer<T>>,
): RoundRobin<T, K>;
export function roundRobin<T, K>(
  children?: RoundRobinChildren<T, K>,
  options?: RoundRobinOptions<K, T>,
): RoundRobin<T, K> {
  return new RoundRobin<T, K>(children, options);
}

/** What a node has beyond its children once it has weights, caps or bounds. */
interface NodeSettings<K, T> {
  /** Children's weights other than 1. */
  readonly weights: Map<K, number>;
  /** Children's caps (the cap their parent sets), where given. */
  readonly caps: Map<K, number>;
  /** The node's own cap. */
  cap: number;
  /** Bounds of leaf children. */
  readonly bounds: Map<K, LeafBound<T>>;
}

/** Checks the `bounds` option against the children given (leaves only) and returns it as a Map. */
function checkBounds<T, K>(
  given: PerKey<K, LeafBound<T>> | undefined,
  children: ReadonlyMap<K, unknown>,
): Map<K, LeafBound<T>> {
  if (given === undefined) return new Map();
  checkOptionsObject(given, '`bounds` to be a Map or an object');
  const entries = (given instanceof Map ? [...given] : Object.entries(given)) as [K, unknown][];
  for (const [key, bound] of entries) {
    if (!children.has(key)) throw new TypeError(`Cannot set \`bounds\` of key ${describeValue(key)}: no such child`);
    if (children.get(key) instanceof RoundRobin) {
      throw new TypeError(
        `Cannot set \`bounds\` of key ${describeValue(key)}: it is a roundRobin node; bound its leaves`,
      );
    }
    checkLeafBound(bound, ` of key ${describeValue(key)}`);
  }
  return new Map(entries as [K, LeafBound<T>][]);
}
