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
 * runs each call in an error context and iterates a snapshot of the observers, which allocates per call: over a
 * few hundred leaves, a large share of `fairMergeMap`'s cost per event in stream mode (see BENCHMARKS.md).
 * Everything else is `Subject`'s: with no or several subscribers, once completed, errored or unsubscribed,
 * or with RxJS's deprecated synchronous error handling on, `next` is `Subject.next`.
 *
 * @example
 * const heal = new LeafSubject<Event>();
 * const vm1 = roundRobin({ heal, scaleOut: new LeafSubject<Event>() });
 * heal.next(event); // queued in vm1's `heal` leaf, or dispatched at once if a slot is free
 */
export class LeafSubject<T> extends Subject<T> {
  /**
   * The only subscriber, or `null`: kept here so that `next` reads no array (over a wide tree each leaf is cold, and
   * the observers array and its elements were two cache misses per event).
   */
  #sole: Observer<T> | null = null;
  /** `#sole`'s direct way in, if it has one (a `roundRobin` leaf): the values skip one more object. */
  #direct: DirectSink<T> | null = null;
  /**
   * The subscribers, counted here as they come (`subscribe`) and go (a finalizer of each) rather than read from
   * RxJS's deprecated `observers`. Touched only on subscribe and unsubscribe.
   */
  #subscribers: Subscription[] = [];

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void)): Subscription;
  /** @deprecated Pass an observer, as with `Observable.subscribe`. */
  override subscribe(
    next?: ((value: T) => void) | null,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of Observable.subscribe it overrides
    error?: ((error: any) => void) | null,
    complete?: (() => void) | null,
  ): Subscription;
  override subscribe(...args: unknown[]): Subscription {
    // Every subscriber, an operator's included, comes through here, and RxJS returns the very subscriber it keeps.
    const subscriber = super.subscribe(...(args as Parameters<Subject<T>['subscribe']>));
    if (subscriber.closed) return subscriber; // the subject had completed or errored: it is not kept
    // A copy one longer rather than `push`: most leaves ever have one subscriber, and a push onto an empty array
    // gives it room for seventeen (a leaf per branch of a wide tree adds up).
    this.#subscribers = [...this.#subscribers, subscriber];
    subscriber.add(() => {
      this.#subscribers = this.#subscribers.filter((other) => other !== subscriber);
      this.#recount();
    });
    this.#recount();
    return subscriber;
  }

  /** Closes the subject (RxJS's `unsubscribe`): `next` then throws, as `Subject.next` does. */
  override unsubscribe(): void {
    super.unsubscribe();
    this.#subscribers = [];
    this.#recount();
  }

  /** Finds the only subscriber, if there is one. */
  #recount(): void {
    const subscribers = this.#subscribers;
    // A subscriber of a Subject is an Observer too (a Subscriber, or a Subscription that is one: RxJS keeps it as is).
    const sole = subscribers.length === 1 ? (subscribers[0] as unknown as Observer<T>) : null;
    this.#sole = sole;
    this.#direct = sole === null ? null : ((sole as Partial<DirectSubscriber<T>>)._direct ?? null);
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
