import type { Observer } from 'rxjs';
import type { BoundedFifoQueueOptions, DropReason } from '../core/BoundedFifoQueueOptions.js';
import type { FairSink } from './fairProtocol.js';
import type { Dropped, LeafBound } from './LeafBound.js';

/**
 * @internal The drop reporting of one bounded leaf (or of every leaf of a `by` tree) in one subscription. The
 * queue's `onDrop` only notes the drop; the source reports it once its count of queued events is right again, so
 * a `dropped` observer that reacts (completes a source, deletes a child) sees a consistent stream.
 */
export class DropReport<T> {
  #pending = false;
  #event: T | undefined = undefined;
  #reason: DropReason = 'drop-oldest';
  #path: readonly unknown[] = [];

  constructor(readonly bound: LeafBound<T>) {}

  /** The options of the bounded queues this report serves. */
  queueOptions(): BoundedFifoQueueOptions<T> {
    const { size, overflow } = this.bound;
    return {
      size,
      overflow,
      onDrop: (event, reason, path) => {
        this.#pending = true;
        this.#event = event;
        this.#reason = reason;
        this.#path = path;
      },
    };
  }

  /** Whether the last push dropped or replaced an event (it is still to be reported). */
  get pending(): boolean {
    return this.#pending;
  }

  /** Reports the drop the push of `arrived` caused. Returns false if `dropped` threw: the output errored. */
  flush(arrived: T, sink: FairSink<T>): boolean {
    this.#pending = false;
    const event = this.#event as T;
    this.#event = undefined;
    const reason = this.#reason;
    const dropped: Dropped<T> =
      reason === 'latest'
        ? { event, reason, path: this.#path, replacedBy: arrived }
        : { event, reason, path: this.#path };
    const to = this.bound.dropped as Partial<Observer<Dropped<T>>> | ((dropped: Dropped<T>) => void);
    try {
      if (typeof to === 'function') to(dropped);
      else (to as Observer<Dropped<T>>).next(dropped);
    } catch (err) {
      sink.error(err);
      return false;
    }
    return true;
  }
}
