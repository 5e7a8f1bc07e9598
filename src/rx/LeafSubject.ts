import { Subject, config, type Observer, type Subscription } from 'rxjs';

/** @internal What a subscriber offers `LeafSubject` to take values one object closer to where they go. */
export interface DirectSink<T> {
  /** Takes a value, as the subscriber's `next` would. */
  _arrive(value: T): void;
}

/** @internal A subscriber with a direct way in: a `roundRobin` leaf, whose queue takes the values itself. */
export interface DirectSubscriber<T> {
  readonly _direct: DirectSink<T>;
}

/**
 * A `Subject` for the leaves of a `roundRobin` tree, or anywhere it has one subscriber: then `next` hands the
 * value straight to that subscriber (into the queue itself if it is a `roundRobin` leaf). RxJS's `Subject.next`
 * runs each call in an error context and iterates a snapshot of the observers, which allocates per call; over 300
 * leaves that was a third of `fairMergeMap`'s cost per event in stream mode (BENCHMARKS.md, case (1L) against
 * (1)). Everything else is `Subject`'s: with no or several subscribers, once completed, errored or unsubscribed,
 * or with RxJS's deprecated synchronous error handling on, `next` is `Subject.next`.
 *
 * @example
 * const heal = new LeafSubject<Event>();
 * const vm1 = roundRobin({ heal, scaleOut: new LeafSubject<Event>() });
 * heal.next(event); // queued in vm1's `heal` leaf, or dispatched at once if a slot is free
 */
export class LeafSubject<T> extends Subject<T> {
  /**
   * The only subscriber, or `null`: kept here so that `next` reads no array. Over a wide tree each leaf is cold,
   * and the observers array and its elements were two cache misses per event (K=30,000 in stream mode: 0.75x the
   * time). Counted again whenever a subscriber comes (`subscribe`) or goes (a finalizer of each).
   */
  #sole: Observer<T> | null = null;
  /** `#sole`'s direct way in, if it has one (a `roundRobin` leaf): the values skip one more object. */
  #direct: DirectSink<T> | null = null;
  /** Finds the only subscriber. One function per subject, added to each subscriber as it subscribes. */
  readonly #recount = (): void => {
    const observers = this.observers as Observer<T>[] | null; // `null` once the subject is unsubscribed
    const sole = observers !== null && observers.length === 1 ? (observers[0] as Observer<T>) : null;
    this.#sole = sole;
    this.#direct = sole === null ? null : ((sole as Partial<DirectSubscriber<T>>)._direct ?? null);
  };

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void)): Subscription;
  /** @deprecated Pass an observer, as with `Observable.subscribe`. */
  override subscribe(
    next?: ((value: T) => void) | null,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of Observable.subscribe it overrides
    error?: ((error: any) => void) | null,
    complete?: (() => void) | null,
  ): Subscription;
  override subscribe(...args: unknown[]): Subscription {
    // Every subscriber, an operator's included, comes through here; it leaves through its finalizers, where RxJS's
    // (which takes it out of `observers`) runs before this one.
    const subscription = super.subscribe(...(args as Parameters<Subject<T>['subscribe']>));
    subscription.add(this.#recount);
    this.#recount();
    return subscription;
  }

  override next(value: T): void {
    const sole = this.#sole;
    if (sole === null || this.isStopped || config.useDeprecatedSynchronousErrorHandling) {
      super.next(value);
      return;
    }
    const direct = this.#direct;
    if (direct !== null) direct._arrive(value);
    else sole.next(value);
  }
}
