import { Subscription, type Observer, type Subscriber } from 'rxjs';
import type { QueueNode } from '../core/QueueNode.js';

/*
 * The subscribers of projections, one class per way a projection ends: plain, counted (releases its leaf), or on the
 * cost path (frees its slots). Separate classes rather than one with flags: each dispatcher's call sites then see
 * one class, and the plain one does no work for the others.
 */

/** A projection's subscriber. Being a `Subscription` and an `Observer`, RxJS uses it as is, not wrapped. */
export class InnerSubscriber<R> extends Subscription implements Observer<R> {
  constructor(readonly dispatcher: { readonly subscriber: Subscriber<R>; innerComplete(): void }) {
    super();
  }

  next(value: R): void {
    if (!this.closed) this.dispatcher.subscriber.next(value);
  }

  error(err: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.dispatcher.subscriber.error(err);
  }

  complete(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.dispatcher.innerComplete();
  }
}

/** The subscriber of a projection whose event was counted as active (the tree has caps): releases its leaf. */
export class CountedInnerSubscriber<R> extends InnerSubscriber<R> {
  constructor(
    dispatcher: { readonly subscriber: Subscriber<R>; innerComplete(): void },
    /** Where its event was counted as active. */
    readonly leaf: QueueNode<unknown>,
  ) {
    super(dispatcher);
  }

  override complete(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.leaf.release();
    this.dispatcher.innerComplete();
  }
}

/** A projection's subscriber on the cost path: frees the slots its event took when it completes. */
export class CostInnerSubscriber<R> extends Subscription implements Observer<R> {
  constructor(
    readonly dispatcher: { readonly subscriber: Subscriber<R>; innerComplete(slots: number): void },
    /** Where its event was counted as active (the tree has caps), or `null`. */
    readonly leaf: QueueNode<unknown> | null,
    readonly slots: number,
  ) {
    super();
  }

  next(value: R): void {
    if (!this.closed) this.dispatcher.subscriber.next(value);
  }

  error(err: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.dispatcher.subscriber.error(err);
  }

  complete(): void {
    if (this.closed) return;
    this.unsubscribe();
    this.leaf?.release();
    this.dispatcher.innerComplete(this.slots);
  }
}
