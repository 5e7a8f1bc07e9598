import { Observable, type Subscriber } from 'rxjs';

/**
 * Projections completed by hand: `project` records what was dispatched, `finish(x)` emits `x` and completes
 * its projection. Counts active projections through their subscription and teardown.
 */
export class Gates<T> {
  readonly started: T[] = [];
  readonly torn: T[] = [];
  active = 0;
  max = 0;
  readonly #subscribers = new Map<T, Subscriber<T>>();

  readonly project = (x: T): Observable<T> => {
    this.started.push(x);
    return new Observable<T>((subscriber) => {
      this.active++;
      this.max = Math.max(this.max, this.active);
      this.#subscribers.set(x, subscriber);
      return () => {
        this.active--;
        this.torn.push(x);
        this.#subscribers.delete(x);
      };
    });
  };

  finish(x: T): void {
    const subscriber = this.#subscribers.get(x);
    if (subscriber === undefined) throw new Error(`no active projection for ${String(x)}`);
    subscriber.next(x);
    subscriber.complete();
  }

  fail(x: T, err: unknown): void {
    const subscriber = this.#subscribers.get(x);
    if (subscriber === undefined) throw new Error(`no active projection for ${String(x)}`);
    subscriber.error(err);
  }
}
