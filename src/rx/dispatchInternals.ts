import type { Subscriber } from 'rxjs';
import { Dispatcher } from './Dispatcher.js';
import type { FairDispatcher, FairSink, FairSource, Project, StatsHost } from './fairProtocol.js';

/*
 * The engine shared by the fair operators (`fairMergeMap`, a `roundRobin` node subscribed directly), as RxJS's
 * `mergeInternals` is `mergeMap`'s: connect a dispatcher to its source, wire the stats, start the sources.
 */

/**
 * Runs one subscription of a fair operator: pulls the next event from the source's tree only when one of
 * `concurrency` slots is free, subscribes its projection, and completes once the sources completed, the
 * tree is empty and every projection completed. With `project === null` events are emitted as they are
 * pulled (a `roundRobin` node subscribed directly).
 *
 * Tears down with `subscriber`.
 */
export function dispatch<T, R>(
  subscriber: Subscriber<R>,
  connect: (sink: FairSink<T>) => FairSource<T>,
  project: Project<T, R> | null,
  concurrency: number,
  stats?: StatsHost<unknown>,
): void {
  runDispatcher(subscriber, connect, new Dispatcher<T, R>(subscriber, project, concurrency), stats);
}

/**
 * Connects a dispatcher to its source, watched by `stats` if given, and starts the sources. Tears down with
 * `subscriber`.
 */
export function runDispatcher<T>(
  subscriber: Subscriber<unknown>,
  connect: (sink: FairSink<T>) => FairSource<T>,
  dispatcher: FairDispatcher<T>,
  stats?: StatsHost<unknown>,
): void {
  if (stats !== undefined) {
    stats._attach(dispatcher); // throws (erroring the output) before anything is subscribed if it is taken
    subscriber.add(() => stats._detach(dispatcher));
  }
  const source = stats === undefined ? connect(dispatcher) : dispatcher.connected(connect(dispatcher));
  dispatcher.source = source;
  // Linked before the sources are subscribed: a synchronous source stops as soon as the output closes.
  subscriber.add(() => source.unsubscribe());
  source.start();
  dispatcher.check();
}
