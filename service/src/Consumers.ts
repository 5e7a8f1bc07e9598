import type { ConsumeMessage } from 'amqplib';
import type { Availability } from './Availability.js';
import type { Session } from './BrokerConnection.js';
import type { Delivery, Source } from './Delivery.js';
import type { HostQueues, Lane } from './HostQueues.js';
import type { ParkedQueues } from './ParkedQueues.js';
import { publishControl } from './ControlStream.js';
import { onOwnChannel } from './onOwnChannel.js';
import type { Settlement } from './Settlement.js';
import { assertEventQueue, shardOf, type Topology } from './topology.js';

export interface ConsumersOptions {
  readonly topology: Topology;
  readonly availability: Availability;
  readonly hostQueues: HostQueues;
  readonly parkedQueues: ParkedQueues;
  /** Hands back (moves, parks or requeues) the events in memory of what is paused or let go of. */
  readonly settlement: Settlement;
  /** This scheduler, in the control stream's records. */
  readonly id: string;
  /** Whether this scheduler serves the host's shard now: only then are its queues consumed. */
  readonly serves: (host: string) => boolean;
  /** Takes each message consumed: the scheduler's intake. */
  readonly receive: (session: Session, queue: string, source: Source, message: ConsumeMessage) => void;
  readonly log: (line: string) => void;
  /** Called when `consuming` may have changed (a consumer cancelled by the broker, or back). */
  readonly changed: () => void;
}

/**
 * The consumers of the hosts' own queues, following availability and the shards served: on each session, a host's
 * backlog queue is consumed while its shard is served here and the host is ACTIVE, and each parked queue while its
 * VM is too; what is paused or let go of is not consumed, and its events in memory are handed back. A consumer the
 * broker cancels (its queue deleted, or its node gone) is consumed again, with backoff.
 *
 * The backlog and parked queues come from the control stream (`HostQueues`, `ParkedQueues`); the consumer tags live
 * on the session, as long as its channel.
 */
export class Consumers {
  /** Per-host chain of reconciliations, so that two never interleave for one host. */
  readonly #reconciling = new Map<string, Promise<void>>();

  constructor(readonly options: ConsumersOptions) {}

  /** A backlog queue announced on the control stream: consumed from now on, if its shard is served here. */
  addHost(session: Session, host: string, lane: Lane): void {
    if (!this.options.hostQueues.add(host, lane)) return;
    if (session.live) void this.reconcile(session, host);
  }

  /** A parked queue announced on the control stream: consumed from now on while its VM is ACTIVE. */
  addParked(session: Session, host: string, vm: string): void {
    if (!this.options.parkedQueues.add(host, vm)) return;
    if (session.live) void this.reconcile(session, host);
  }

  /** A shard served from now on, or no longer: every host of it known is consumed, or handed back. */
  async shard(session: Session, shard: number): Promise<void> {
    const hosts = new Set<string>();
    for (const host of this.options.hostQueues) if (shardOf(host) === shard) hosts.add(host);
    for (const [host] of this.options.parkedQueues.byHost()) if (shardOf(host) === shard) hosts.add(host);
    for (const host of session.tree.hosts()) if (shardOf(host) === shard) hosts.add(host);
    await Promise.all([...hosts].map((host) => this.reconcile(session, host)));
  }

  /** Cancels every consumer of a session (the scheduler stops). */
  async cancelAll(session: Session): Promise<void> {
    const tags = [...session.hostConsumers.values(), ...session.parkedConsumers.values()];
    session.hostConsumers.clear();
    session.parkedConsumers.clear();
    await Promise.all(tags.map((tag) => session.consumer.cancel(tag).catch(() => {})));
  }

  /** A host's backlog queues retired, as the control stream tells: no longer consumed. */
  retireHost(session: Session, host: string): void {
    this.options.hostQueues.remove(host);
    if (session.live) void this.reconcile(session, host);
  }

  /**
   * Retires a host's drained backlog queues, so that its events stay in its shard again: stops consuming them (every
   * delivery of them is in once the cancels are confirmed), and deletes them if nothing of them is in memory,
   * running or unsettled, and the broker has nothing left in any; then says so on the control stream. Otherwise
   * they are consumed again. Resolves with whether they were retired. Runs in the host's chain of reconciliations.
   */
  retire(session: Session, host: string): Promise<boolean> {
    return this.#inTurn(session, host, 'retire the queue of', () => this.#retireNow(session, host), false);
  }

  async #retireNow(session: Session, host: string): Promise<boolean> {
    const { hostQueues, settlement, topology, serves, availability } = this.options;
    const queues = hostQueues.queues(host);
    const idle = () =>
      session.tree.queued(host) === 0 &&
      settlement.moving(host) === 0 &&
      queues.every((queue) => settlement.unsettled(session, queue) === 0);
    if (session.closed || !session.live || !serves(host) || !availability.isHostActive(host)) return false;
    if (!hostQueues.has(host) || !idle()) return false;
    await this.#cancelHost(session, queues);
    if (idle() && (await deleteIfEmpty(session, queues))) {
      hostQueues.remove(host);
      for (const queue of queues) session.declared.delete(queue); // declared and announced anew if need be
      await publishControl(session.publisher, topology, { type: 'retired', host, by: this.options.id });
      return true;
    }
    await this.#reconcileNow(session, host);
    return false;
  }

  /** Resolves once the reconciliation of a host under way, if any, is over. */
  async reconciled(host: string): Promise<void> {
    await this.#reconciling.get(host);
  }

  /**
   * Makes what the session consumes for a host match its shard and availability: the host's backlog queue while its
   * shard is served here and the host is ACTIVE, each parked queue while its VM is ACTIVE too; events in memory of
   * what is paused are handed back (moved out of the shard, parked, or requeued). Runs one at a time per host.
   */
  reconcile(session: Session, host: string): Promise<void> {
    return this.#inTurn(session, host, 'update consumers of', () => this.#reconcileNow(session, host), undefined);
  }

  /**
   * Runs `step` once the host's steps before it are over, so that two never interleave for one host; a failure is
   * logged (unless the session is gone) and resolves with `failed`.
   */
  #inTurn<R>(session: Session, host: string, what: string, step: () => Promise<R>, failed: R): Promise<R> {
    const previous = this.#reconciling.get(host) ?? Promise.resolve();
    const result = previous.then(step).catch((error: unknown) => {
      if (!session.closed) this.options.log(`rxjs-fair: could not ${what} host ${host}: ${(error as Error).message}`);
      return failed;
    });
    const next = result.then(() => {});
    this.#reconciling.set(host, next);
    void next.then(() => {
      if (this.#reconciling.get(host) === next) this.#reconciling.delete(host);
    });
    return result;
  }

  /**
   * Hands back the events in memory of a host, or of its VMs, that is paused or whose shard is let go of: a paused
   * host's events from its shard are moved to its backlog queues and a paused VM's are parked at once, before what
   * is still on its way arrives and follows them; the rest go back to the queue they came from once its consumer is
   * cancelled (`nackLater`). Each VM's order is kept.
   */
  handBack(session: Session, host: string): void {
    if (session.closed || !session.live) return;
    const { availability, hostQueues, settlement, serves } = this.options;
    const { tree } = session;
    const served = serves(host);
    if (!served || !availability.isHostActive(host)) {
      for (const delivery of tree.deleteHost(host)) {
        if (served && delivery.source === 'shard') {
          hostQueues.mark(host, delivery.level);
          void settlement.divert(delivery);
        } else this.nackLater(delivery);
      }
      return;
    }
    for (const vm of tree.vms(host)) {
      if (availability.isRunnable(host, vm)) continue;
      for (const delivery of tree.deleteVm(host, vm)) {
        if (delivery.source === 'parked') this.nackLater(delivery);
        else void settlement.park(delivery);
      }
    }
  }

  /**
   * Hands a message back to its queue once the host's reconciliation under way is over, its queue's consumer
   * cancelled: handed back at once, the broker would deliver it straight back here, again and again until the
   * cancel, and each return counts toward the queue's delivery limit (at 50 it is dead-lettered). Those handed back
   * for one host go back in the order given, so each VM's order is kept.
   */
  nackLater(delivery: Delivery): void {
    void this.reconciled(delivery.event.host).then(() => this.options.settlement.nack(delivery));
  }

  async #reconcileNow(session: Session, host: string): Promise<void> {
    if (session.closed || !session.live) return;
    const { availability, hostQueues, parkedQueues, topology, serves } = this.options;
    const { consumer } = session;
    const parkedVms = parkedQueues.vmsOf(host);
    this.handBack(session, host);
    if (!serves(host) || !availability.isHostActive(host)) {
      await this.#cancelHost(session, hostQueues.queues(host));
      for (const vm of parkedVms) await this.#stopParked(session, host, vm);
      return;
    }
    for (const queue of hostQueues.queues(host)) {
      if (session.hostConsumers.has(queue)) continue;
      await assertEventQueue(consumer, topology, queue);
      if (session.closed || !session.live || !serves(host) || !availability.isHostActive(host)) return;
      if (!session.hostConsumers.has(queue))
        session.hostConsumers.set(queue, await this.#consume(session, host, queue, 'host'));
    }
    for (const vm of parkedVms) {
      if (availability.isRunnable(host, vm)) await this.#startParked(session, host, vm);
      else await this.#stopParked(session, host, vm);
    }
  }

  /** Stops consuming a host's backlog queues. */
  async #cancelHost(session: Session, queues: readonly string[]): Promise<void> {
    for (const queue of queues) {
      const tag = session.hostConsumers.get(queue);
      if (tag === undefined) continue;
      session.hostConsumers.delete(queue);
      await session.consumer.cancel(tag);
    }
  }

  async #startParked(session: Session, host: string, vm: string): Promise<void> {
    const { parkedQueues, availability } = this.options;
    const queue = parkedQueues.queue(host, vm);
    if (session.parkedConsumers.has(queue)) return;
    await parkedQueues.declare(session, host, vm);
    if (session.closed || !session.live || !this.options.serves(host) || !availability.isRunnable(host, vm)) return;
    session.parkedConsumers.set(queue, await this.#consume(session, host, queue, 'parked'));
  }

  async #stopParked(session: Session, host: string, vm: string): Promise<void> {
    const queue = this.options.parkedQueues.queue(host, vm);
    const tag = session.parkedConsumers.get(queue);
    if (tag === undefined) return;
    session.parkedConsumers.delete(queue);
    await session.consumer.cancel(tag);
  }

  /** Consumes a queue on the session's channel; returns the consumer tag. */
  async #consume(session: Session, host: string, queue: string, source: Source): Promise<string> {
    const { consumerTag } = await session.consumerAcks.consume(queue, (message) => {
      if (message !== null) return this.options.receive(session, queue, source, message);
      // The broker cancelled this consumer.
      if (source === 'parked') session.parkedConsumers.delete(queue);
      else session.hostConsumers.delete(queue);
      this.#consumeAgain(session, host, queue);
    });
    return consumerTag;
  }

  /**
   * The broker cancelled a consumer (its queue was deleted, or the node holding it is gone): consumes it again,
   * declaring the queue anew if need be, with backoff until it works; not `consuming` meanwhile.
   */
  #consumeAgain(session: Session, host: string, queue: string): void {
    const { availability, parkedQueues, log, changed, serves } = this.options;
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
      if (await this.#declarable(session, queue)) await this.reconcile(session, host);
      // Consumed again, or no longer to be consumed (its host or VM was paused, or its queue retired, meanwhile).
      const back = vm === undefined ? session.hostConsumers.has(queue) : session.parkedConsumers.has(queue);
      const wanted =
        serves(host) &&
        (vm === undefined
          ? availability.isHostActive(host) && this.options.hostQueues.queues(host).includes(queue)
          : availability.isRunnable(host, vm));
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

  /** Whether a host's backlog or parked queue can be declared now, tried on a channel of its own. */
  async #declarable(session: Session, queue: string): Promise<boolean> {
    try {
      await onOwnChannel(session.connection, (channel) => assertEventQueue(channel, this.options.topology, queue));
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Deletes a host's queues if the broker holds nothing in any, asked on a channel of its own (quorum queues have no
 * `if-empty` deletion). Only the scheduler that serves the host's shard publishes to them, and it moves nothing
 * there meanwhile, so nothing arrives between the looks and the deletions. Resolves with whether they were deleted.
 */
async function deleteIfEmpty(session: Session, queues: readonly string[]): Promise<boolean> {
  try {
    return await onOwnChannel(session.connection, async (channel) => {
      for (const queue of queues) {
        const { messageCount, consumerCount } = await channel.checkQueue(queue);
        if (messageCount !== 0 || consumerCount !== 0) return false;
      }
      for (const queue of queues) await channel.deleteQueue(queue);
      return true;
    });
  } catch {
    return false;
  }
}
