import { from, type ObservableInput } from 'rxjs';
import type { QueueNode } from '../core/QueueNode.js';
import { DispatcherBase } from './DispatcherBase.js';
import type { Project } from './fairProtocol.js';
import { CountedInnerSubscriber, InnerSubscriber } from './InnerSubscriber.js';

/**
 * Runs one subscription of a fair operator where every event takes one slot: pulls the next event from the source's
 * tree only when one of `concurrency` slots is free, projects it (or, with `project === null`, emits it), and
 * completes once the sources completed, nothing is queued and every projection completed. It counts nothing per
 * event unless the tree has caps or stats are live. `CostDispatcher` is its sibling for `cost`.
 */
export class Dispatcher<T, R> extends DispatcherBase<T, R> {
  offer(value: T): boolean {
    // With caps the event must be counted on its path: it goes through the tree.
    if (this.pumping || this.active >= this.concurrency || this.subscriber.closed || this.tracking) return false;
    this.pumping = true;
    try {
      this.#dispatch(value, null);
    } finally {
      this.pumping = false;
    }
    this.#pump(); // whatever the dispatch queued meanwhile, and the completion check
    return true;
  }

  arrived(): void {
    // With every slot busy there is nothing to pull, and nothing can complete: leave it to the next completion.
    if (this.active < this.concurrency) this.#pump();
  }

  check(): void {
    if (!this.pumping && this.active === 0 && this.source.queued === 0 && this.source.sourcesDone()) {
      this.subscriber.complete();
    }
  }

  /** A projection completed. (One whose event was counted released its leaf first.) */
  innerComplete(): void {
    this.active--;
    this.#pump();
  }

  /** Promise fast path: a settled projection emits its value and frees its slot, with no Observable around it. */
  readonly #resolved = (value: R): void => {
    if (this.subscriber.closed) return;
    this.subscriber.next(value);
    this.innerComplete();
  };

  #pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const { subscriber, source } = this;
    const queue = source.queue;
    try {
      while (this.active < this.concurrency && queue.ready && !subscriber.closed) {
        const tracking = this.tracking;
        const value = (tracking ? queue.take() : queue.next()) as T;
        source.queued--;
        this.#dispatch(value, tracking ? this.taken(queue) : null);
      }
    } finally {
      this.pumping = false;
    }
    this.check();
  }

  /** Emits or projects an event; `leaf` is where it was counted as active (released once done), or `null`. */
  #dispatch(value: T, leaf: QueueNode<unknown> | null): void {
    if (this.project !== null) {
      this.#start(value, leaf);
      return;
    }
    this.subscriber.next(value as unknown as R);
    leaf?.release(); // emitted is done: nothing stays active
  }

  /** Projects an event; `leaf` is where it was counted as active, `null` when it was not. */
  #start(value: T, leaf: QueueNode<unknown> | null): void {
    this.active++;
    let input: ObservableInput<R>;
    try {
      input = (this.project as Project<T, R>)(value, this.index++);
    } catch (err) {
      this.subscriber.error(err);
      return;
    }
    if (input instanceof Promise) {
      if (leaf === null) (input as Promise<R>).then(this.#resolved, this.rejected);
      else this.#thenRelease(input as Promise<R>, leaf);
      return;
    }
    // Linked to the output before subscribing: an unsubscribe during a synchronous inner stops it at once.
    const inner = leaf === null ? new InnerSubscriber<R>(this) : new CountedInnerSubscriber<R>(this, leaf);
    this.subscriber.add(inner);
    try {
      from(input).subscribe(inner);
    } catch (err) {
      this.subscriber.error(err); // not an ObservableInput
    }
  }

  /**
   * A counted event's Promise: once settled it must release its leaf, so it needs its own callback. Kept out of
   * `#start`: a closure there would make every call allocate a context, counted or not.
   */
  #thenRelease(input: Promise<R>, leaf: QueueNode<unknown>): void {
    const resolved = (result: R): void => {
      if (this.subscriber.closed) return;
      this.subscriber.next(result);
      leaf.release();
      this.innerComplete();
    };
    input.then(resolved, this.rejected);
  }
}
