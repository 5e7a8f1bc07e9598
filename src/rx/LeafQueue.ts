import { BoundedFifoQueue } from '../core/BoundedFifoQueue.js';
import { FifoQueue } from '../core/FifoQueue.js';
import type { QueueNode } from '../core/QueueNode.js';
import type { Connection } from './Connection.js';
import { DropReport } from './DropReport.js';
import type { LeafBound } from './LeafBound.js';
import type { DirectSink } from './LeafSubject.js';

/**
 * @internal A leaf's queue in one subscription, which also takes the leaf's values (`_arrive`): over a wide tree every event
 * lands on a cold leaf, and each object on the way there is a cache miss.
 */
export class LeafQueue<T> extends FifoQueue<T> implements DirectSink<T> {
  constructor(readonly conn: Connection<T>) {
    super();
  }

  _arrive(value: T): void {
    const conn = this.conn;
    if (conn.queued === 0 && !isPaused(this) && conn.sink.offer(value)) return;
    this.push(value);
    conn.queued++;
    if (conn.stats !== null) conn.stats.arrived(this);
    conn.sink.arrived();
  }
}

/**
 * @internal A bounded leaf's queue: `LeafQueue` with the bound to meet, so a plain leaf's `_arrive` knows nothing of
 * bounds. A twin rather than one class: each leaf is its core queue (an object less per event), and a class extends
 * one queue class, `FifoQueue` or `BoundedFifoQueue`.
 */
export class BoundedLeafQueue<T> extends BoundedFifoQueue<T> implements DirectSink<T> {
  readonly #report: DropReport<T>;

  constructor(
    readonly conn: Connection<T>,
    bound: LeafBound<T>,
  ) {
    const report = new DropReport(bound);
    super(report.queueOptions());
    this.#report = report;
  }

  _arrive(value: T): void {
    const conn = this.conn;
    if (conn.queued === 0 && !isPaused(this) && conn.sink.offer(value)) return; // the fast path: no bound to meet
    try {
      this.push(value);
    } catch (err) {
      conn.sink.error(err); // an OverflowError: nothing was queued
      return;
    }
    const report = this.#report;
    // A drop or a replacement keeps the count: one event left for the one that came (or it was refused).
    if (!report.pending) conn.queued++;
    else if (!report.flush(value, conn.sink)) return;
    conn.sink.arrived();
  }
}

/** Whether the queue or one of its ancestors is paused. */
function isPaused(queue: QueueNode<unknown>): boolean {
  for (let node: QueueNode<unknown> | null = queue; node !== null; node = node._parent as QueueNode<unknown> | null) {
    if (node._paused) return true;
  }
  return false;
}
