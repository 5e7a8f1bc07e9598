import { from, type ObservableInput, type Subscriber } from 'rxjs';
import { describeValue } from '../core/checks.js';
import type { QueueNode } from '../core/QueueNode.js';
import { DispatcherBase } from './DispatcherBase.js';
import type { Project } from './fairProtocol.js';
import { CostInnerSubscriber } from './InnerSubscriber.js';

/**
 * Runs one subscription of `fairMergeMap` with `cost`: an event takes `cost(event)` of the `concurrency` slots
 * while its projection runs (clamped to `concurrency`: such an event runs alone). A class of its own, so that the
 * plain `Dispatcher` counts nothing per event and its call sites keep seeing one class; what the two share off the
 * per-event path is their base, `DispatcherBase`.
 *
 * The next event is still picked, in rotation order, only when a slot frees. One that costs more than the free
 * slots is held (at most one event is) and started as soon as enough slots are free; nothing is picked meanwhile,
 * so nothing overtakes it: the rotation order is kept, and an expensive event never starves.
 */
export class CostDispatcher<T, R> extends DispatcherBase<T, R> {
  declare readonly project: Project<T, R>;
  /** Slots taken by the projections subscribed and not yet completed. */
  #used = 0;
  /** The slots the held event needs; 0 while no event is held. */
  #heldSlots = 0;
  /** The event picked but not started for want of slots. */
  #held: T | undefined = undefined;
  /** Where the held event was counted as active (the tree has caps), or `null`. */
  #heldLeaf: QueueNode<unknown> | null = null;

  constructor(
    subscriber: Subscriber<R>,
    project: Project<T, R>,
    concurrency: number,
    readonly cost: (value: T) => number,
  ) {
    super(subscriber, project, concurrency);
  }

  offer(value: T): boolean {
    // A held event goes first: the newcomer queues behind it. With caps it must be counted on its path: the tree.
    if (
      this.pumping ||
      this.#used >= this.concurrency ||
      this.#heldSlots !== 0 ||
      this.subscriber.closed ||
      this.tracking
    ) {
      return false;
    }
    this.pumping = true;
    try {
      this.#admit(value, null); // started, or held: either way its cost was asked once, here
    } finally {
      this.pumping = false;
    }
    this.#pump();
    return true;
  }

  arrived(): void {
    // With every slot busy there is nothing to pull, and nothing can complete: leave it to the next completion.
    if (this.#used < this.concurrency) this.#pump();
  }

  check(): void {
    if (
      !this.pumping &&
      this.#used === 0 &&
      this.#heldSlots === 0 &&
      this.source.queued === 0 &&
      this.source.sourcesDone()
    ) {
      this.subscriber.complete();
    }
  }

  /** A projection that took `slots` completed. (One whose event was counted released its leaf first.) */
  innerComplete(slots: number): void {
    this.#used -= slots;
    this.active--;
    this.#pump();
  }

  #pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const { subscriber, source, concurrency } = this;
    const queue = source.queue;
    try {
      while (!subscriber.closed) {
        if (this.#heldSlots !== 0) {
          if (this.#used + this.#heldSlots > concurrency) break; // nothing is picked while an event waits
          const value = this.#held as T;
          const leaf = this.#heldLeaf;
          const slots = this.#heldSlots;
          this.#held = undefined; // the dispatcher no longer keeps it alive
          this.#heldLeaf = null;
          this.#heldSlots = 0;
          this.#start(value, leaf, slots);
        } else if (this.#used < concurrency && queue.ready) {
          const tracking = this.tracking;
          const value = (tracking ? queue.take() : queue.next()) as T;
          source.queued--;
          this.#admit(value, tracking ? this.taken(queue) : null);
        } else break;
      }
    } finally {
      this.pumping = false;
    }
    this.check();
  }

  /** Asks a picked event's cost once; starts it if that many slots are free, holds it otherwise. */
  #admit(value: T, leaf: QueueNode<unknown> | null): void {
    let slots: number;
    try {
      slots = this.cost(value);
    } catch (err) {
      this.subscriber.error(err);
      return;
    }
    if (typeof slots !== 'number' || !Number.isInteger(slots) || slots < 1) {
      this.subscriber.error(
        new TypeError(
          `Expected \`cost\` to return a positive integer, got ${describeValue(slots)} for ${describeValue(value)}`,
        ),
      );
      return;
    }
    if (slots > this.concurrency) slots = this.concurrency; // it runs alone, once every slot is free
    if (this.#used + slots <= this.concurrency) {
      this.#start(value, leaf, slots);
      return;
    }
    this.#held = value;
    this.#heldLeaf = leaf;
    this.#heldSlots = slots;
  }

  /** Projects an event that takes `slots`; `leaf` is where it was counted as active, `null` when it was not. */
  #start(value: T, leaf: QueueNode<unknown> | null, slots: number): void {
    this.#used += slots;
    this.active++;
    let input: ObservableInput<R>;
    try {
      input = this.project(value, this.index++);
    } catch (err) {
      this.subscriber.error(err);
      return;
    }
    if (input instanceof Promise) {
      this.#then(input as Promise<R>, leaf, slots);
      return;
    }
    // Linked to the output before subscribing: an unsubscribe during a synchronous inner stops it at once.
    const inner = new CostInnerSubscriber<R>(this, leaf, slots);
    this.subscriber.add(inner);
    try {
      from(input).subscribe(inner);
    } catch (err) {
      this.subscriber.error(err); // not an ObservableInput
    }
  }

  /** A settled Promise projection of an uncounted event of cost 1 (the common case): no callback per event. */
  readonly #resolvedOne = (result: R): void => {
    if (this.subscriber.closed) return; // ignored after unsubscribe, as with `from(promise)`
    this.subscriber.next(result);
    this.innerComplete(1);
  };

  /** A Promise projection: once settled it emits its value and frees its slots (and its leaf, if counted). */
  #then(input: Promise<R>, leaf: QueueNode<unknown> | null, slots: number): void {
    if (leaf === null && slots === 1) {
      input.then(this.#resolvedOne, this.rejected);
      return;
    }
    const resolved = (result: R): void => {
      if (this.subscriber.closed) return;
      this.subscriber.next(result);
      leaf?.release();
      this.innerComplete(slots);
    };
    input.then(resolved, this.rejected);
  }
}
