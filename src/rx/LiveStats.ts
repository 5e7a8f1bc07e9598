import { RingBuffer } from '../core/RingBuffer.js';
import type { QueueNode } from '../core/QueueNode.js';
import type { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import type { FairStats } from './FairStats.js';
import type { StatsTap } from './fairProtocol.js';
import type { StatsWindow } from './StatsWindow.js';

/** @internal The hooks of a live `FairStats`: arrival times per leaf, and one window per `snapshots` subscription. */
export class LiveStats implements StatsTap<unknown> {
  /** Per leaf that received an event while live: how many older events it holds untimed, and the arrival times. */
  readonly arrivals = new Map<QueueNode<unknown>, Arrivals>();
  readonly windows: StatsWindow[] = [];

  constructor(readonly stats: FairStats) {}

  arrived(leaf: QueueNode<unknown>): void {
    const time = this.stats._time();
    const arrivals = this.arrivals.get(leaf);
    // Events already in the leaf arrived before: they are dispatched first (per-leaf FIFO), untimed.
    if (arrivals === undefined) this.arrivals.set(leaf, { untimed: leaf.size - 1, held: 1, first: time, rest: null });
    else if (arrivals.held++ === 0) arrivals.first = time;
    else (arrivals.rest ??= new RingBuffer<number>()).push(time);
  }

  dispatched(leaf: QueueNode<unknown>): void {
    let wait = Number.NaN;
    const arrivals = this.arrivals.get(leaf);
    if (arrivals !== undefined) {
      if (arrivals.untimed > 0) arrivals.untimed--;
      else {
        wait = this.stats._time() - arrivals.first;
        if (--arrivals.held > 0) arrivals.first = (arrivals.rest as RingBuffer<number>).shift() as number;
        else this.arrivals.delete(leaf); // memory follows the queue
      }
    }
    const top = this.stats._topOf(leaf);
    // A counted event holds its path, so its top-level node is still in the root.
    const weight = top === null ? 1 : (top._parent as unknown as RoundRobinQueue<unknown, unknown>).weightOf(top._key);
    for (const window of this.windows) window.count(top, weight, wait);
  }
}

/** A leaf's arrival times: the oldest inline (most leaves hold one event at a time), the others in a ring. */
interface Arrivals {
  /** Older events of the leaf, which arrived before stats were live. */
  untimed: number;
  /** Timed events held. */
  held: number;
  /** Arrival time of the oldest timed event, while `held > 0`. */
  first: number;
  /** Arrival times of the others, oldest first. */
  rest: RingBuffer<number> | null;
}
