import { OWN_SYNC_TIMEOUT_MS, type ControlStream } from './ControlStream.js';
import type { Session } from './BrokerConnection.js';
import { declareOnce } from './declareOnce.js';
import { assertEventQueue, parkedQueue, type Topology } from './topology.js';

/**
 * The paused VMs' queues (`<ns>.parked.<host>.<vm>`): a VM's events are moved there while it is paused, so that they
 * hold none of its host's prefetch, and consumed again once it is ACTIVE. Which exist is shared by every scheduler
 * through the control stream: a queue is announced there once, when it is first declared.
 */
export class ParkedQueues {
  /** The VMs that have a parked queue, by host, as the control stream tells. */
  readonly #vms = new Map<string, Set<string>>();

  constructor(readonly topology: Topology) {}

  /** Records a parked queue announced on the control stream; false if it was known already. */
  add(host: string, vm: string): boolean {
    let vms = this.#vms.get(host);
    if (vms === undefined) this.#vms.set(host, (vms = new Set()));
    if (vms.has(vm)) return false;
    vms.add(vm);
    return true;
  }

  /** The VMs of a host that have a parked queue (later announcements show up in the set returned). */
  vmsOf(host: string): ReadonlySet<string> {
    return this.#vms.get(host) ?? new Set<string>();
  }

  /** The hosts that have parked queues, each with its VMs. */
  byHost(): IterableIterator<[string, ReadonlySet<string>]> {
    return this.#vms.entries();
  }

  queue(host: string, vm: string): string {
    return parkedQueue(this.topology, host, vm);
  }

  /** Declares a VM's parked queue on a session's connection (once per connection), and announces it if it is new. */
  declare(session: Session, host: string, vm: string): Promise<void> {
    const queue = this.queue(host, vm);
    return declareOnce(session, queue, async () => {
      await assertEventQueue(session.confirm, this.topology, queue);
      if (this.#vms.get(host)?.has(vm) !== true)
        // Read back, as a backlog queue's announcement is (`HostQueues`).
        await (session.control as ControlStream).append(
          session.publisher,
          { type: 'parked', host, vm },
          OWN_SYNC_TIMEOUT_MS,
        );
    });
  }
}
