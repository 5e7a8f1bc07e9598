import { Observable, type Subscriber } from 'rxjs';
import { describeValue } from '../core/checks.js';
import { FifoQueue } from '../core/FifoQueue.js';
import { PriorityQueue } from '../core/PriorityQueue.js';
import type { QueueNode } from '../core/QueueNode.js';
import type { RateHost } from '../core/RateHost.js';
import type { ChildOptions } from '../core/RoundRobinQueueOptions.js';
import { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import { TokenBucket } from '../core/TokenBucket.js';
import { FAIR_NODE, type FairNode } from './brands.js';
import { dispatch } from './dispatchInternals.js';
import type { FairSink, FairSource, StatsTap } from './fairProtocol.js';
import type { RateLimit } from './RateLimit.js';

/** A node of the core that holds children: what a `QueueSource`'s tree is made of above its leaves. */
type Branch<T> = RoundRobinQueue<T, unknown> | PriorityQueue<T, unknown>;

/**
 * A fair tree built and changed by hand from the core's nodes (`RoundRobinQueue`, `PriorityQueue`, `FifoQueue`,
 * `BoundedFifoQueue`), as the source of a `fairMergeMap`: for a service that holds many short-lived keys and reshapes
 * its tree as it goes (adds a branch per key, hands a branch's backlog back), where a `roundRobin` node and a Subject
 * per leaf would cost a subscription each. Events go in with {@link QueueSource.push}; branches come and go with
 * {@link QueueSource.add} and {@link QueueSource.delete}, and what may make events ready again goes through the source
 * too ({@link QueueSource.resume}, {@link QueueSource.setCap}), so that the dispatch is woken and the count of queued
 * events stays right. What only holds events back or reorders turns (`pause`, `setWeight`) may be done on the nodes
 * themselves; so may anything while no subscription is live (the next one pulls what is ready as it starts).
 *
 * Every event dispatched is counted as active on its path (`take`/`release`) until its projection completes, so caps
 * set on any node hold. It feeds one subscription at a time; what is queued stays in the tree between them (events
 * whose projections were still running when a subscription ended stay counted: give a new subscription a new tree).
 * Subscribed directly, it emits each event as it is queued (paused branches and nodes at their caps wait).
 *
 * @example
 * const root = new RoundRobinQueue<Job>();
 * const source = new QueueSource(root);
 * source.pipe(fairMergeMap(run, { concurrency: 16 })).subscribe();
 * const leaf = new FifoQueue<Job>();
 * source.add(root, 'tenant1', leaf.setCap(2));
 * source.push(leaf, job); // dispatched in turn with the other tenants', at most 2 of tenant1's at once
 */
export class QueueSource<T> extends Observable<T> {
  /** What the dispatcher pulls from: this source's state, kept across subscriptions (the count of queued events). */
  readonly #state: SourceState<T>;

  constructor(readonly root: RoundRobinQueue<T, unknown> | PriorityQueue<T, unknown>) {
    super(subscribeSource);
    if (!(root instanceof RoundRobinQueue || root instanceof PriorityQueue))
      throw new TypeError(`Expected a RoundRobinQueue or PriorityQueue as the root, got ${describeValue(root)}`);
    if (root._parent !== null) throw new Error('Expected a root: this node is a child of another one');
    this.#state = new SourceState(root, root.size);
    (this as unknown as { [FAIR_NODE]: FairNode<T>[typeof FAIR_NODE] })[FAIR_NODE] =
      connectThis as FairNode<T>[typeof FAIR_NODE];
  }

  /** Events queued in the tree and not yet dispatched (paused ones included). */
  get queued(): number {
    return this.#state.queued;
  }

  /**
   * Queues `item` in `leaf`, a queue of this tree, and pulls if a slot is free. A bounded leaf that is full drops
   * or replaces as its bound says (its `onDrop` is told).
   */
  push(leaf: FifoQueue<T>, item: T): void {
    if (!(leaf instanceof FifoQueue)) throw new TypeError(`Expected a FifoQueue as leaf, got ${describeValue(leaf)}`);
    this.#check(leaf, 'push');
    const state = this.#state;
    const before = leaf.size;
    leaf.push(item);
    if (leaf.size === before) return; // replaced one, or dropped: as many queued as before
    state.queued++;
    if (state.stats !== null) state.stats.arrived(leaf);
    state.sink?.arrived();
  }

  /**
   * Adds `child` (a leaf or a branch, with the events it already holds) at `key` of `node`, this tree's root or one of
   * its branches (`options`: its weight and cap, as the node's `add` takes them).
   */
  add<K>(node: RoundRobinQueue<T, K> | PriorityQueue<T, K>, key: K, child: QueueNode<T>, options?: ChildOptions): void {
    this.#check(node as QueueNode<T>, 'add');
    node.add(key, child, options);
    const held = child.size;
    if (held === 0) return;
    this.#state.queued += held;
    this.#state.sink?.arrived();
  }

  /** Takes the child at `key` of `node` out of the rotation; its events stay queued until `resume`. */
  pause<K>(node: RoundRobinQueue<T, K> | PriorityQueue<T, K>, key: K): void {
    this.#check(node as QueueNode<T>, 'pause');
    node.pause(key);
  }

  /** Puts the child at `key` of `node` back in the rotation, and pulls if it holds events and a slot is free. */
  resume<K>(node: RoundRobinQueue<T, K> | PriorityQueue<T, K>, key: K): void {
    this.#check(node as QueueNode<T>, 'resume');
    node.resume(key);
    this.#state.sink?.arrived();
  }

  /** Caps the events of `node` active at once (`Infinity`: no cap); a raised cap pulls at once. */
  setCap(node: QueueNode<T>, cap: number): void {
    this.#check(node, 'setCap');
    node.setCap(cap);
    this.#state.sink?.arrived();
  }

  /** Removes the child at `key` of `node` (this tree's root or one of its branches); returns its events queued. */
  delete<K>(node: RoundRobinQueue<T, K> | PriorityQueue<T, K>, key: K): T[] {
    this.#check(node as QueueNode<T>, 'delete');
    const events = node.delete(key);
    const state = this.#state;
    state.queued -= events.length;
    // Its running events no longer count against the caps above: a branch there may be ready again.
    state.sink?.arrived();
    return events;
  }

  /**
   * Limits how many events below `node` (of this tree) are dispatched per interval, with a bucket of its own
   * (`undefined`: no limit). The bucket belongs to the live subscription, which it wakes when a token is due: set
   * rates while one is live.
   */
  setRate(node: QueueNode<T>, rate: RateLimit | undefined): void {
    this.#check(node, 'setRate');
    const sink = this.#state.sink;
    if (sink === null) throw new Error('QueueSource.setRate needs a live subscription: its bucket wakes it');
    const host = sink as unknown as RateHost;
    if (rate === undefined) TokenBucket.replace(node, null, host);
    else rate._apply(node, host);
  }

  /** Ends the source: a `fairMergeMap` subscribed completes once everything queued is dispatched and done. */
  complete(): void {
    this.#state.done = true;
    this.#state.sink?.check();
  }

  /** @internal Connects a fair consumer (this source's brand, called with the source as `this`). */
  _connect(sink: FairSink<T>): FairSource<T> {
    const state = this.#state;
    if (state.sink !== null) throw new Error('A QueueSource feeds one subscription at a time');
    state.sink = sink;
    sink.track(); // caps may be set on any node, at any time
    return state;
  }

  /** Throws unless `node` is in this tree (walks up its parents: a few steps). */
  #check(node: QueueNode<T>, method: string): void {
    let top = node;
    while (top._parent !== null) top = top._parent as unknown as QueueNode<T>;
    if (top !== this.root) throw new Error(`QueueSource.${method}: the node is not in this source's tree`);
  }
}

/** A source's state as the dispatcher pulls from it: one per source, handed to each subscription in turn. */
class SourceState<T> implements FairSource<T> {
  stats: StatsTap<T> | null = null;
  sink: FairSink<T> | null = null;
  done = false;

  constructor(
    readonly queue: Branch<T>,
    public queued: number,
  ) {}

  sourcesDone(): boolean {
    return this.done;
  }

  /** What was queued before this subscription is pulled as it starts. */
  start(): void {
    if (this.queued > 0) this.sink?.arrived();
  }

  unsubscribe(): void {
    this.sink = null;
    this.stats = null;
  }
}

/** Subscribed directly: each event is emitted as it is queued. */
function subscribeSource<T>(this: Observable<T>, subscriber: Subscriber<T>): void {
  dispatch<T, T>(subscriber, (sink) => (this as QueueSource<T>)._connect(sink), null, Infinity);
}

/** The brand (`FAIR_NODE`): `fairMergeMap` pulls from the source's tree. */
function connectThis<T>(this: QueueSource<T>, sink: FairSink<T>): FairSource<T> {
  return this._connect(sink);
}
