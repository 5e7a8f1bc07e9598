import { Subscription, type Observable, type Observer } from 'rxjs';
import type { Connection } from './Connection.js';
import type { DirectSink, DirectSubscriber } from './LeafSubject.js';
import type { LeafBound } from './LeafBound.js';
import { BoundedLeafQueue, LeafQueue } from './LeafQueue.js';

/**
 * @internal An Observable child's subscription. RxJS uses it as the subscriber, not wrapped; what it emits goes to its
 * queue, which a `LeafSubject` with this one subscriber feeds directly (`_direct`).
 */
export class Leaf<T> extends Subscription implements Observer<T>, DirectSubscriber<T> {
  #started = false;
  #completed = false;
  readonly queue: LeafQueue<T> | BoundedLeafQueue<T>;

  constructor(
    readonly source: Observable<T>,
    readonly conn: Connection<T>,
    bound: LeafBound<T> | undefined,
  ) {
    super();
    this.queue = bound === undefined ? new LeafQueue(conn) : new BoundedLeafQueue(conn, bound);
  }

  /**
   * For `LeafSubject`: the queue takes the values itself. Once this subscription closes, the subject counts its
   * subscribers again (a finalizer it added), so nothing arrives after.
   */
  get _direct(): DirectSink<T> {
    return this.queue;
  }

  /** The cap its parent sets for it: a leaf's only cap. */
  setSlotCap(cap: number): void {
    this.conn.setCapOf(this.queue, cap);
  }

  start(): void {
    if (this.closed) return; // the output closed while earlier leaves were being subscribed
    this.#started = true;
    this.conn.leaves++;
    this.conn.openLeaves++;
    this.source.subscribe(this);
  }

  stop(): void {
    if (this.#started) {
      this.conn.leaves--;
      if (!this.#completed) this.conn.openLeaves--;
    }
    this.unsubscribe();
  }

  next(value: T): void {
    if (!this.closed) this.queue._arrive(value);
  }

  error(err: unknown): void {
    if (this.closed) return;
    this.unsubscribe();
    this.conn.sink.error(err);
  }

  complete(): void {
    if (this.closed) return;
    this.#completed = true;
    this.conn.openLeaves--;
    this.unsubscribe();
    this.conn.sink.check();
  }
}
