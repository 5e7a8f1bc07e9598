import type { QueueNode } from '../core/QueueNode.js';
import type { PriorityQueue } from '../core/PriorityQueue.js';
import type { RoundRobinQueue } from '../core/RoundRobinQueue.js';
import type { FairSink, FairSource, StatsTap } from './fairProtocol.js';
import type { Mount, Part } from './Mount.js';
import type { RoundRobin } from './roundRobin.js';

/**
 * @internal One subscription of a root `roundRobin` node: the source a fair consumer pulls from. It counts the
 * leaves, so it knows when every source has completed, and switches counting on once its tree has a cap.
 */
export class Connection<T> implements FairSource<T> {
  /** Leaves subscribed. */
  leaves = 0;
  /** Leaves subscribed and not yet completed. */
  openLeaves = 0;
  queued = 0;
  stats: StatsTap<T> | null = null;
  /** Switched on once a node of this subscription's tree has a cap, and never off again. */
  tracking = false;
  /** Above zero while leaves are being subscribed: one that completes at once must not end the stream early. */
  #starting = 0;
  readonly root: Mount<T, unknown>;

  constructor(
    readonly sink: FairSink<T>,
    node: RoundRobin<T, unknown>,
  ) {
    this.root = node._mount(this);
  }

  get queue(): RoundRobinQueue<T, unknown> | PriorityQueue<T, unknown> {
    return this.root.queue;
  }

  sourcesDone(): boolean {
    return this.#starting === 0 && this.leaves > 0 && this.openLeaves === 0;
  }

  /** Subscribes the leaves below `part` (the whole tree by default). */
  start(part: Part<T> = this.root): void {
    this.#starting++;
    try {
      part.start();
    } finally {
      this.#starting--;
    }
  }

  unsubscribe(): void {
    this.root.stop();
  }

  /** Sets a cap in this subscription's tree; the first finite one switches counting on, for good. */
  setCapOf(queue: QueueNode<T>, cap: number): void {
    if (cap !== Infinity && !this.tracking) {
      this.tracking = true;
      this.sink.track();
    }
    if (queue.cap !== cap) queue.setCap(cap);
  }
}
