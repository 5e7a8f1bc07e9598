import type { ConsumeMessage } from 'amqplib';
import type { Availability } from './Availability.js';
import type { ParkedQueues } from './ParkedQueues.js';
import type { Session } from './BrokerConnection.js';
import type { Settlement } from './Settlement.js';
import { assertHostQueue, assertParkedQueue, type Topology } from './topology.js';

export interface ConsumersOptions {
  readonly topology: Topology;
  readonly availability: Availability;
  readonly parkedQueues: ParkedQueues;
  /** Hands back (parks or requeues) the events in memory of what is paused. */
  readonly settlement: Settlement;
  /** Takes each message consumed: the scheduler's intake. */
  readonly receive: (session: Session, queue: string, parked: boolean, message: ConsumeMessage) => void;
  readonly log: (line: string) => void;
  /** Called when `consuming` may have changed (a consumer cancelled by the broker, or back). */
  readonly changed: () => void;
}

/**
 * The consumers that follow availability: on each session, every known host's queue is consumed while the host
 * is ACTIVE, and each parked queue while its VM is; what is paused is not consumed, and its events in memory are
 * handed back. A consumer the broker cancels (its queue deleted, or its node gone) is consumed again, with backoff.
 *
 * The hosts come from the control stream, as do the parked queues (`ParkedQueues`); the consumer tags live on the
 * session, as long as its channel.
 */
export class Consumers {
  /** Hosts announced on the control stream. */
  readonly #hosts = new Set<string>();
  /** Per-host chain of reconciliations, so that two never interleave for one host. */
  readonly #reconciling = new Map<string, Promise<void>>();

  constructor(readonly options: ConsumersOptions) {}

  /** Hosts known, from the control stream. */
  get hosts(): ReadonlySet<string> {
    return this.#hosts;
  }

  /** A host announced on the control stream: consumed from now on, if the session consumes already. */
  addHost(session: Session, host: string): void {
    if (this.#hosts.has(host)) return;
    this.#hosts.add(host);
    if (session.live) void this.reconcile(session, host);
  }

  /** A parked queue announced on the control stream: consumed from now on while its VM is ACTIVE. */
  addParked(session: Session, host: string, vm: string): void {
    if (!this.options.parkedQueues.add(host, vm)) return;
    if (session.live) void this.reconcile(session, host);
  }

  /** Starts consuming on a session that just became live: every known host, and its parked queues. */
  async consumeAll(session: Session): Promise<void> {
    await Promise.all([...this.#hosts].map((host) => this.reconcile(session, host)));
  }

  /** Cancels every consumer of a session (the scheduler stops). */
  async cancelAll(session: Session): Promise<void> {
    const tags = [...session.hostConsumers.values(), ...session.parkedConsumers.values()];
    session.hostConsumers.clear();
    session.parkedConsumers.clear();
    await Promise.all(tags.map((tag) => session.consumer.cancel(tag).catch(() => {})));
  }

  /** Resolves once the reconciliation of a host under way, if any, is over. */
  async reconciled(host: string): Promise<void> {
    await this.#reconciling.get(host);
  }

  /**
   * Makes what the session consumes for a host match the availability: the host's queue while the host is
   * ACTIVE, each parked queue while its VM is ACTIVE; events in memory of what is paused are handed back (parked,
   * or requeued). Runs one at a time per host.
   */
  reconcile(session: Session, host: string): Promise<void> {
    const previous = this.#reconciling.get(host) ?? Promise.resolve();
    const next = previous
      .then(() => this.#reconcileNow(session, host))
      .catch((error: unknown) => {
        if (!session.closed)
          this.options.log(`rxjs-fair: could not update consumers of host ${host}: ${(error as Error).message}`);
      });
    this.#reconciling.set(host, next);
    void next.then(() => {
      if (this.#reconciling.get(host) === next) this.#reconciling.delete(host);
    });
    return next;
  }

  async #reconcileNow(session: Session, host: string): Promise<void> {
    if (session.closed || !session.live) return;
    const { availability, parkedQueues, settlement, topology } = this.options;
    const { consumer, tree } = session;
    const parkedVms = parkedQueues.vmsOf(host);
    if (!availability.isHostActive(host)) {
      const tag = session.hostConsumers.get(host);
      session.hostConsumers.delete(host);
      if (tag !== undefined) await consumer.cancel(tag);
      for (const vm of parkedVms) await this.#stopParked(session, host, vm);
      for (const delivery of tree.deleteHost(host)) settlement.nack(delivery);
      return;
    }
    if (this.#hosts.has(host) && !session.hostConsumers.has(host)) {
      const queue = await assertHostQueue(consumer, topology, host);
      if (session.closed || !session.live || !availability.isHostActive(host)) return;
      session.hostConsumers.set(host, await this.#consume(session, host, queue, false));
    }
    for (const vm of new Set([...parkedVms, ...tree.vms(host)])) {
      if (availability.isRunnable(host, vm)) {
        if (parkedVms.has(vm)) await this.#startParked(session, host, vm);
        continue;
      }
      await this.#stopParked(session, host, vm);
      for (const delivery of tree.deleteVm(host, vm)) {
        if (delivery.parked) settlement.nack(delivery);
        else void settlement.park(delivery);
      }
    }
  }

  async #startParked(session: Session, host: string, vm: string): Promise<void> {
    const { parkedQueues, availability } = this.options;
    const queue = parkedQueues.queue(host, vm);
    if (session.parkedConsumers.has(queue)) return;
    await parkedQueues.declare(session, host, vm);
    if (session.closed || !session.live || !availability.isRunnable(host, vm)) return;
    session.parkedConsumers.set(queue, await this.#consume(session, host, queue, true));
  }

  async #stopParked(session: Session, host: string, vm: string): Promise<void> {
    const queue = this.options.parkedQueues.queue(host, vm);
    const tag = session.parkedConsumers.get(queue);
    if (tag === undefined) return;
    session.parkedConsumers.delete(queue);
    await session.consumer.cancel(tag);
  }

  /** Consumes a queue on the session's channel; returns the consumer tag. */
  async #consume(session: Session, host: string, queue: string, parked: boolean): Promise<string> {
    const { consumerTag } = await session.consumer.consume(queue, (message) => {
      if (message !== null) return this.options.receive(session, queue, parked, message);
      // The broker cancelled this consumer.
      if (parked) session.parkedConsumers.delete(queue);
      else session.hostConsumers.delete(host);
      this.#consumeAgain(session, host, queue);
    });
    return consumerTag;
  }

  /**
   * The broker cancelled a consumer (its queue was deleted, or the node holding it is gone): consumes it again,
   * declaring the queue anew if need be, with backoff until it works; not `consuming` meanwhile.
   */
  #consumeAgain(session: Session, host: string, queue: string): void {
    const { availability, parkedQueues, log, changed } = this.options;
    if (session.cancelled.has(queue) || session.closed) return;
    session.cancelled.add(queue);
    log(`rxjs-fair: the broker cancelled the consumer of ${queue}; consuming it again`);
    changed();
    let delay = 100;
    const attempt = async () => {
      if (session.closed) return;
      const vm = [...parkedQueues.vmsOf(host)].find((name) => parkedQueues.queue(host, name) === queue);
      // Declared first on a channel of its own: while the queue's node is down, the broker refuses the declaration
      // (404, "home node ... is down") and closes the channel it came on; on the session's own channels that would
      // end the session, and every reconnection would end the same way at once.
      if (await this.#declarable(session, host, vm)) await this.reconcile(session, host);
      // Consumed again, or no longer to be consumed (its host or VM was paused meanwhile).
      const back = vm === undefined ? session.hostConsumers.has(host) : session.parkedConsumers.has(queue);
      const wanted = vm === undefined ? availability.isHostActive(host) : availability.isRunnable(host, vm);
      if (back || !wanted) {
        session.cancelled.delete(queue);
        if (back) log(`rxjs-fair: consuming ${queue} again`);
        changed();
        return;
      }
      const wait = delay * (0.75 + Math.random() / 2);
      delay = Math.min(delay * 2, 5000);
      setTimeout(() => void attempt(), wait).unref();
    };
    void attempt();
  }

  /** Whether a host's queue (or a parked one, with `vm`) can be declared now, tried on a channel of its own. */
  async #declarable(session: Session, host: string, vm: string | undefined): Promise<boolean> {
    const { topology } = this.options;
    try {
      const channel = await session.connection.createChannel();
      channel.on('error', () => {});
      try {
        if (vm === undefined) await assertHostQueue(channel, topology, host);
        else await assertParkedQueue(channel, topology, host, vm);
      } finally {
        await channel.close().catch(() => {});
      }
      return true;
    } catch {
      return false;
    }
  }
}
