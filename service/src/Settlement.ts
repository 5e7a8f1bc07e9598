import type { Message, Options } from 'amqplib';
import type { Session } from './BrokerConnection.js';
import type { Delivery, Received } from './Delivery.js';
import type { HostQueues } from './HostQueues.js';
import type { ParkedQueues } from './ParkedQueues.js';
import { ActionTimeoutError } from './runAction.js';
import { headers, hostKey, type Topology } from './topology.js';

/** How the messages the scheduler took were settled, since it started (its `stats()`). */
export interface SettlementCounts {
  /** Actions that finished (and whose message was acknowledged). */
  readonly done: number;
  /** Failed attempts sent to wait for a retry. */
  readonly retried: number;
  /** Events dead-lettered after their last failed attempt. */
  readonly failed: number;
  /** Attempts that failed because the action outlived `actionTimeout` (counted in `retried` or `failed` too). */
  readonly timedOut: number;
  /** Messages dead-lettered because they are not a valid event. */
  readonly malformed: number;
  /** Events moved to a paused VM's parked queue. */
  readonly parked: number;
  /** Events moved out of their shard into their host's backlog queue (a paused or busy host). */
  readonly moved: number;
  /** Events of a `latest` policy replaced by a newer one before they ran (acknowledged). */
  readonly conflated: number;
  /** Redelivered events not run again because they were done already (acknowledged). */
  readonly skipped: number;
}

/** A message published again (retried, dead-lettered): where to, and with which properties; the content is the same. */
export interface Republish {
  readonly exchange: string;
  readonly routingKey: string;
  readonly options: Options.Publish & { readonly headers: Record<string, unknown> };
}

/**
 * The end of each message the scheduler took: acknowledged once its action is done (or it is moved elsewhere and
 * the broker confirmed the copy), or handed back to its queue. A failed attempt waits for its backoff in a retry
 * queue; after the last one, and for a message that is no valid event, it is dead-lettered with the reason. A
 * paused VM's event is moved to its parked queue, and a paused or busy host's event out of its shard into the
 * host's backlog queue.
 *
 * A message is settled once: on the channel it came on, and not at all once that channel's connection is closed
 * (the broker delivers it again).
 */
export class Settlement {
  readonly #counts = {
    done: 0,
    retried: 0,
    failed: 0,
    timedOut: 0,
    malformed: 0,
    parked: 0,
    moved: 0,
    conflated: 0,
    skipped: 0,
  };

  constructor(
    readonly topology: Topology,
    readonly parkedQueues: ParkedQueues,
    readonly hostQueues: HostQueues,
    /** Where a failed park is told. */
    readonly log: (line: string) => void,
    /** Called after each message settled (and what `counts` tell changed). */
    readonly changed: () => void,
  ) {}

  /** Moves to a host's backlog queue under way, by host. */
  readonly #moving = new Map<string, number>();
  /** Waiting for no move to be under way (`whenMoved`). */
  readonly #movedWaiters: (() => void)[] = [];
  /** Messages taken and not yet settled, by session and queue (those given to `hold`). */
  readonly #unsettled = new WeakMap<Session, Map<string, number>>();

  get counts(): SettlementCounts {
    return this.#counts;
  }

  /** Moves of a host's events to its backlog queue under way. */
  moving(host: string): number {
    return this.#moving.get(host) ?? 0;
  }

  /**
   * Resolves once no move to a backlog queue is under way. A stopping scheduler waits for this before it closes its
   * channels: closed in the middle of a move, the copy may be in the backlog queue while the original goes back to
   * the shard, a second copy of the event.
   */
  whenMoved(): Promise<void> {
    if (this.#moving.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#movedWaiters.push(resolve));
  }

  /** Counts a message taken from its queue until it is settled (see `unsettled`). */
  hold(received: Received): void {
    received.held = true;
    let counts = this.#unsettled.get(received.session);
    if (counts === undefined) this.#unsettled.set(received.session, (counts = new Map()));
    counts.set(received.queue, (counts.get(received.queue) ?? 0) + 1);
  }

  /** Messages of a queue taken on a session, given to `hold`, and not yet settled. */
  unsettled(session: Session, queue: string): number {
    return this.#unsettled.get(session)?.get(queue) ?? 0;
  }

  /** An action done: acknowledged. */
  done(delivery: Delivery): void {
    this.#counts.done++; // counted before the ack, which tells `changed`
    this.ack(delivery);
  }

  /** A redelivered event that was done already: acknowledged, not run again. */
  skip(delivery: Delivery): void {
    this.#counts.skipped++;
    this.ack(delivery);
  }

  /** An event of a `latest` policy replaced by a newer one before it ran: acknowledged. */
  conflate(delivery: Delivery): void {
    this.#counts.conflated++;
    this.ack(delivery);
  }

  /**
   * A failed attempt (an action that timed out is counted `timedOut` too): published to wait for its retry, or,
   * after the last attempt, dead-lettered; acknowledged once the broker confirmed that, handed back if it did not.
   */
  async fail(delivery: Delivery, failure: unknown): Promise<void> {
    if (failure instanceof ActionTimeoutError) this.#counts.timedOut++;
    const { message, session, event } = delivery;
    const next = afterFailure(this.topology, message, event.host, delivery.queue, failure);
    try {
      await session.publisher.publish(next.exchange, next.routingKey, message.content, next.options);
      this.#counts[next.outcome]++;
      this.ack(delivery);
    } catch {
      this.nack(delivery); // not confirmed: leave it to the broker, it comes back
    }
  }

  /** Moves a paused VM's event to its parked queue: published with a confirm, then acknowledged. */
  async park(delivery: Delivery): Promise<void> {
    const { event, session, message } = delivery;
    try {
      await this.parkedQueues.declare(session, event.host, event.vm);
      await session.publisher.sendToQueue(
        this.parkedQueues.queue(event.host, event.vm),
        message.content,
        copiedProperties(message),
      );
      this.#counts.parked++;
      this.ack(delivery, true);
    } catch (error) {
      if (!session.closed)
        this.log(`rxjs-fair: could not park an event of ${event.host}/${event.vm}: ${(error as Error).message}`);
      this.nack(delivery);
    }
  }

  /**
   * Moves an event out of its shard into its host's backlog queue of its level (declared and announced on the
   * first): published with a confirm, then acknowledged. The caller has marked the level (`HostQueues.mark`) before,
   * so that every later event of it follows, in order.
   */
  async divert(delivery: Delivery): Promise<void> {
    const { event, session, message } = delivery;
    this.#moving.set(event.host, this.moving(event.host) + 1);
    try {
      await this.hostQueues.declare(session, event.host, delivery.level);
      await session.publisher.sendToQueue(
        this.hostQueues.queue(event.host, delivery.level),
        message.content,
        copiedProperties(message),
      );
      this.#counts.moved++;
      this.ack(delivery, true);
    } catch (error) {
      if (!session.closed && !session.closing)
        this.log(`rxjs-fair: could not move an event of ${event.host} to its queue: ${(error as Error).message}`);
      this.nack(delivery);
    } finally {
      const left = this.moving(event.host) - 1;
      if (left === 0) this.#moving.delete(event.host);
      else this.#moving.set(event.host, left);
      if (this.#moving.size === 0) for (const resolve of this.#movedWaiters.splice(0)) resolve();
    }
  }

  /** Dead-letters a message that is no valid event (malformed, or misrouted), then acknowledges it. */
  async malformed(received: Received, reason: string): Promise<void> {
    const { message, session } = received;
    try {
      const dead = deadLetterOf(this.topology, message, received.queue, reason);
      await session.publisher.publish(dead.exchange, dead.routingKey, message.content, dead.options);
      this.#counts.malformed++;
      this.ack(received);
    } catch {
      this.nack(received);
    }
  }

  /** Acknowledges a message; `now`: without waiting to go in a run (see `Acknowledger.ackNow`). */
  ack(received: Received, now = false): void {
    if (received.settled || received.session.closed) return;
    received.settled = true;
    if (received.held === true) this.#release(received);
    try {
      if (now) received.channel.ackNow(received.message);
      else received.channel.ack(received.message);
    } catch {
      // the channel closed: the broker redelivers the message
    }
    this.changed();
  }

  /** Hands a message back to its queue, at once (another consumer, or this one later, takes it). */
  nack(received: Received): void {
    if (received.settled || received.session.closed) return;
    received.settled = true;
    if (received.held === true) this.#release(received);
    try {
      received.channel.nack(received.message, false, true);
    } catch {
      // the channel closed: the broker requeues it anyway
    }
    this.changed();
  }

  #release(received: Received): void {
    const counts = this.#unsettled.get(received.session);
    const left = (counts?.get(received.queue) ?? 0) - 1;
    if (left <= 0) counts?.delete(received.queue);
    else counts?.set(received.queue, left);
  }
}

/** The failed attempts a message had before this delivery, from its header: none when absent or not a number. */
export function attemptsBefore(message: Pick<Message, 'properties'>): number {
  const previous = Number(message.properties.headers?.[headers.attempts] ?? 0);
  return Number.isFinite(previous) ? previous : 0;
}

/**
 * What a failed attempt publishes: the message to the retry exchange, to wait for the backoff of this attempt and
 * come back to its host's queue (`outcome: 'retried'`); after the last attempt, a dead letter that says how many
 * attempts failed and the last failure (`outcome: 'failed'`).
 */
export function afterFailure(
  t: Topology,
  message: Pick<Message, 'properties'>,
  host: string,
  queue: string,
  failure: unknown,
): Republish & { readonly outcome: 'retried' | 'failed' } {
  const attempts = attemptsBefore(message) + 1;
  const delay = t.retryDelays[attempts - 1];
  if (delay === undefined) {
    const reason = failure instanceof Error ? failure.message : String(failure);
    return {
      outcome: 'failed',
      ...deadLetterOf(t, message, queue, `action failed ${attempts} times: ${reason}`, attempts),
    };
  }
  const copied = copiedProperties(message);
  return {
    outcome: 'retried',
    exchange: t.retry,
    routingKey: hostKey(host),
    // The delay header picks the retry queue; the attempts travel with the message to its next failure.
    options: {
      ...copied,
      headers: { ...copied.headers, [headers.attempts]: attempts, [headers.delay]: String(delay) },
    },
  };
}

/**
 * A dead letter: the message to the dead-letter exchange, with the reason (at most 1000 characters), the queue it
 * came from and, after failed attempts, how many.
 */
export function deadLetterOf(
  t: Topology,
  message: Pick<Message, 'properties'>,
  queue: string,
  reason: string,
  attempts?: number,
): Republish {
  const copied = copiedProperties(message);
  return {
    exchange: t.dead,
    routingKey: '',
    options: {
      ...copied,
      headers: {
        ...copied.headers,
        [headers.reason]: reason.slice(0, 1000),
        [headers.source]: queue,
        ...(attempts === undefined ? {} : { [headers.attempts]: attempts }),
      },
    },
  };
}

/**
 * The properties of a message that travel with it when it is published again (parked, retried, dead-lettered):
 * persistent, its content type, id, timestamp and headers, without the headers the broker adds when it
 * dead-letters (a retry's trip through its queue), which would otherwise pile up with each attempt.
 */
export function copiedProperties(message: Pick<Message, 'properties'>): Republish['options'] {
  const {
    contentType,
    messageId,
    headers: messageHeaders,
    timestamp,
  } = message.properties as {
    contentType?: string;
    messageId?: string;
    headers?: Record<string, unknown>;
    timestamp?: number;
  };
  return {
    persistent: true,
    ...(contentType === undefined ? {} : { contentType }),
    ...(messageId === undefined ? {} : { messageId }),
    ...(timestamp === undefined ? {} : { timestamp }),
    headers: withoutDeathHeaders(messageHeaders),
  };
}

function withoutDeathHeaders(messageHeaders: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(messageHeaders ?? {})) {
    if (name !== 'x-death' && !name.startsWith('x-first-death-') && !name.startsWith('x-last-death-'))
      out[name] = value;
  }
  return out;
}
