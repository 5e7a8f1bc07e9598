import { Subject, config, type Observer } from 'rxjs';

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
  override next(value: T): void {
    // `isStopped` first: an unsubscribed Subject has no observers array (`super.next` throws the right error).
    if (!this.isStopped && this.observers.length === 1 && !config.useDeprecatedSynchronousErrorHandling) {
      (this.observers[0] as Observer<T>).next(value);
    } else {
      super.next(value);
    }
  }
}
