import { publishControl } from './ControlStream.js';
import type { Session } from './BrokerConnection.js';
import { assertHostQueue, hostQueue, type Topology } from './topology.js';

/**
 * The hosts' backlog queues (`<ns>.host.<host>`): a host's events are moved there out of its shard while the host is
 * paused or holds more than its share of the scheduler's memory, so that they never stand in front of another
 * host's events. Once a host has one, every later event of it goes there too (its order is kept), and its shard's
 * scheduler consumes it while the host is ACTIVE, until it is drained: then it is deleted (retired), and the host's
 * events stay in its shard again. Which hosts have one is shared by every scheduler through the control stream: a
 * queue is announced there when it is declared, and retired there.
 */
export class HostQueues {
  /** Hosts whose backlog queue was announced on the control stream. */
  readonly #announced = new Set<string>();
  /** Hosts this process moves to their backlog queue, announced or not yet. */
  readonly #marked = new Set<string>();

  constructor(readonly topology: Topology) {}

  /** Records a queue announced on the control stream; false if it was known already. */
  add(host: string): boolean {
    if (this.#announced.has(host)) return false;
    this.#announced.add(host);
    return true;
  }

  /** From now on, the host's events go to its backlog queue (before the announcement is read back). */
  mark(host: string): void {
    this.#marked.add(host);
  }

  /** The host's backlog queue is gone (retired, as the control stream says, or by this process). */
  remove(host: string): void {
    this.#announced.delete(host);
    this.#marked.delete(host);
  }

  /** Whether the host's events go to its backlog queue (it has one). */
  has(host: string): boolean {
    return this.#announced.has(host) || this.#marked.has(host);
  }

  /** Hosts whose backlog queue was announced on the control stream (not those only marked by this process). */
  announced(): IterableIterator<string> {
    return this.#announced.values();
  }

  /** Hosts with a backlog queue. */
  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.#announced;
    for (const host of this.#marked) if (!this.#announced.has(host)) yield host;
  }

  queue(host: string): string {
    return hostQueue(this.topology, host);
  }

  /** Declares a host's backlog queue on a session's connection (once per connection), and announces it. */
  declare(session: Session, host: string): Promise<void> {
    const queue = this.queue(host);
    let declared = session.declared.get(queue);
    if (declared === undefined) {
      declared = (async () => {
        await assertHostQueue(session.confirm, this.topology, host);
        if (!this.#announced.has(host)) await publishControl(session.publisher, this.topology, { type: 'host', host });
      })();
      declared.catch(() => session.declared.delete(queue));
      session.declared.set(queue, declared);
    }
    return declared;
  }
}
