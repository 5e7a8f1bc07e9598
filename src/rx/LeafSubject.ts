import { Subject, config, type Observer, type Subscription } from 'rxjs';

/** What `LeafSubject` reads of RxJS 7.8's `Subject` beyond its typings. */
interface SubjectInternals<T> {
  /**
   * The snapshot of `observers` that `Subject.next` iterates. RxJS sets it to `null` whenever a subscriber comes or
   * goes (and on `unsubscribe`), and builds it again on the next `next`.
   */
  currentObservers: Observer<T>[] | null;
}

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
 * value straight to that subscriber. RxJS's `Subject.next` runs each call in an error context and iterates a
 * snapshot of the observers, which allocates per call; over 300 leaves that was a third of `fairMergeMap`'s cost
 * per event in stream mode (BENCHMARKS.md, case (1L) against (1)). Everything else is `Subject`'s: with no or
 * several subscribers, once completed, errored or unsubscribed, or with RxJS's deprecated synchronous error
 * handling on, `next` is `Subject.next`.
 *
 * @example
 * const heal = new LeafSubject<Event>();
 * const vm1 = roundRobin({ heal, scaleOut: new LeafSubject<Event>() });
 * heal.next(event); // queued in vm1's `heal` leaf, or dispatched at once if a slot is free
 */
export class LeafSubject<T> extends Subject<T> {
  /**
   * The only subscriber, kept here so that `next` reads no array: over a wide tree each leaf is cold, and the
   * observers array and its elements were two cache misses per event (K=30,000 in stream mode: 0.75x the time).
   * Valid while RxJS's snapshot is still `#snapshot`, the one-element snapshot `next` installed: RxJS drops it
   * when a subscriber comes or goes. Let go of once that subscriber unsubscribes, as `Subject` would.
   */
  #sole: Observer<T> | null = null;
  #snapshot: Observer<T>[] | null = null;
  /** `#sole`'s direct way in, if it has one (a `roundRobin` leaf): the values skip one more object. */
  #direct: DirectSink<T> | null = null;
  /**
   * Added to each subscriber that becomes the only one: lets it go once it unsubscribes (it is still `#sole` then:
   * another becomes the only one only after it left). One per subject, made with it, rather than a closure per
   * subscriber made on the way of its first value: a tenth of the cost per event at K=30,000 in the benchmark,
   * where every run subscribes 30,000 leaves afresh.
   */
  readonly #release = (): void => {
    this.#sole = this.#snapshot = this.#direct = null;
  };

  override next(value: T): void {
    const sole = this.#sole;
    if (sole !== null && (this as unknown as SubjectInternals<T>).currentObservers === this.#snapshot && !this.isStopped && !config.useDeprecatedSynchronousErrorHandling) {
      const direct = this.#direct;
      if (direct !== null) direct._arrive(value);
      else sole.next(value);
    } else {
      this.#nextAndRemember(value);
    }
  }

  /** `next` when the subscriber is not known: hands the value over, and remembers a subscriber that is alone. */
  #nextAndRemember(value: T): void {
    // `isStopped` first: an unsubscribed Subject has no observers array (`super.next` throws the right error).
    if (this.isStopped || this.observers.length !== 1 || config.useDeprecatedSynchronousErrorHandling) {
      super.next(value);
      return;
    }
    const sole = this.observers[0] as Observer<T>;
    // The snapshot RxJS itself would build, so `Subject.next` and this class agree on who is subscribed.
    this.#snapshot = (this as unknown as SubjectInternals<T>).currentObservers = [sole];
    if (sole !== this.#sole) {
      this.#sole = sole;
      this.#direct = (sole as Partial<DirectSubscriber<T>>)._direct ?? null;
      // Once per subscriber, so none gathers finalizers (RxJS keeps only Subscriptions in `observers`).
      (sole as Observer<T> & Subscription).add(this.#release);
    }
    sole.next(value);
  }
}
