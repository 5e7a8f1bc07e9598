import { createHash } from 'node:crypto';
import type { Channel } from 'amqplib';

/**
 * Where everything lives in the broker. Every name starts with the namespace (`rxjs-fair` by default), so
 * several deployments, or test runs, share one broker without meeting.
 *
 * - `<ns>.events`, a direct exchange: events are published with their host as routing key, and each host has a
 *   durable queue `<ns>.host.<host>` bound by that key. A noisy host's backlog sits in its own queue, so a quiet
 *   host's event is never behind it in the broker; the scheduler takes a few of each host's at a time.
 * - `<ns>.control`, a stream: the registry that every scheduler reads in full on start. It holds the hosts
 *   (announced by a publisher before its first event for a host), the parked queues, and every availability
 *   change in order, so the current availability is durable and shared.
 * - `<ns>.done`, a stream kept an hour: the ids of the events done, so that a redelivered one is not run again.
 * - `<ns>.parked.<host>.<vm>`: a paused VM's events, moved out of the host queue so that they hold none of what the
 *   scheduler fetches for the rest of the host; consumed again once the VM is back.
 * - `<ns>.retry` (a headers exchange) and `<ns>.retry.<ms>` queues: a failed action waits there for its backoff, then
 *   is dead-lettered back into `<ns>.events` under its host.
 * - `<ns>.dead`, a fanout exchange and a queue: messages that cannot run (malformed, or failed too often), with
 *   the reason in the `x-rxjs-fair-reason` header.
 */
export interface Topology {
  readonly namespace: string;
  readonly events: string;
  readonly control: string;
  readonly done: string;
  readonly retry: string;
  readonly dead: string;
  /** The delays of the retry queues, in ms: attempt n (from 1) waits `retryDelays[n - 1]`. */
  readonly retryDelays: readonly number[];
}

/** Headers the service reads and writes. */
export const headers = {
  /** Failed attempts so far (absent: none). */
  attempts: 'x-rxjs-fair-attempts',
  /** Why a message was dead-lettered. */
  reason: 'x-rxjs-fair-reason',
  /** The queue a dead-lettered message came from. */
  source: 'x-rxjs-fair-source',
  /**
   * When the producer published the event, in ms since the epoch on the producer's clock: the start of the
   * end-to-end wait. Kept through retries and parking.
   */
  published: 'x-rxjs-fair-published',
  /**
   * On the retry exchange: which retry queue, by its delay in ms. Not `x-` prefixed: a headers exchange ignores
   * such headers when it matches.
   */
  delay: 'rxjs-fair-delay',
} as const;

export interface TopologyOptions {
  /**
   * Prefix of every exchange and queue name.
   * @default 'rxjs-fair'
   */
  readonly namespace?: string;
  /**
   * Attempts of an action before its event is dead-lettered (the first one included).
   * @default 5
   */
  readonly maxAttempts?: number;
  /**
   * Backoff before the first retry, in ms; it doubles with each further one.
   * @default 1000
   */
  readonly retryDelay?: number;
}

export function topology(options: TopologyOptions = {}): Topology {
  const { namespace = 'rxjs-fair', maxAttempts = 5, retryDelay = 1000 } = options;
  if (!/^[\w.:-]{1,40}$/.test(namespace)) {
    throw new TypeError(
      `Expected \`namespace\` to be 1 to 40 letters, digits or "_.:-", got ${JSON.stringify(namespace)}`,
    );
  }
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    throw new TypeError(`Expected \`maxAttempts\` to be an integer from 1 to 20, got ${String(maxAttempts)}`);
  }
  if (!Number.isInteger(retryDelay) || retryDelay < 1) {
    throw new TypeError(`Expected \`retryDelay\` to be a positive integer (ms), got ${String(retryDelay)}`);
  }
  return {
    namespace,
    events: `${namespace}.events`,
    control: `${namespace}.control`,
    done: `${namespace}.done`,
    retry: `${namespace}.retry`,
    dead: `${namespace}.dead`,
    retryDelays: Array.from({ length: maxAttempts - 1 }, (_, i) => retryDelay * 2 ** i),
  };
}

/** A host's routing key: its name, or a hash of it when the name is too long for a routing key. */
export function hostKey(host: string): string {
  return shortName(host);
}

export function hostQueue(t: Topology, host: string): string {
  return `${t.namespace}.host.${hostKey(host)}`;
}

export function parkedQueue(t: Topology, host: string, vm: string): string {
  return `${t.namespace}.parked.${shortName(`${host.length}:${host}.${vm}`)}`;
}

export function retryQueue(t: Topology, delay: number): string {
  return `${t.retry}.${delay}`;
}

/** Declares the exchanges and queues every process needs (idempotent). */
export async function assertTopology(channel: Channel, t: Topology): Promise<void> {
  await channel.assertExchange(t.events, 'direct', { durable: true });
  await channel.assertExchange(t.dead, 'fanout', { durable: true });
  await channel.assertQueue(t.dead, { durable: true });
  await channel.bindQueue(t.dead, t.dead, '');
  await channel.assertQueue(t.control, { durable: true, arguments: { 'x-queue-type': 'stream' } });
  // Small segments, so that the hour's retention lets old ids go (a stream is trimmed a whole segment at a time).
  await channel.assertQueue(t.done, {
    durable: true,
    arguments: { 'x-queue-type': 'stream', 'x-max-age': '1h', 'x-stream-max-segment-size-bytes': 8 * 1024 * 1024 },
  });
  await channel.assertExchange(t.retry, 'headers', { durable: true });
  for (const delay of t.retryDelays) {
    const queue = retryQueue(t, delay);
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-message-ttl': delay, 'x-dead-letter-exchange': t.events },
    });
    await channel.bindQueue(queue, t.retry, '', { 'x-match': 'all', [headers.delay]: String(delay) });
  }
}

/** Declares a host's queue and binds it by the host's routing key (idempotent). */
export async function assertHostQueue(channel: Channel, t: Topology, host: string): Promise<string> {
  const queue = hostQueue(t, host);
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, t.events, hostKey(host));
  return queue;
}

export async function assertParkedQueue(channel: Channel, t: Topology, host: string, vm: string): Promise<string> {
  const queue = parkedQueue(t, host, vm);
  await channel.assertQueue(queue, { durable: true });
  return queue;
}

/** A name part as it is, or a hash of it when it would make a name too long (AMQP names are 255 bytes at most). */
function shortName(part: string): string {
  return Buffer.byteLength(part) <= 180
    ? part
    : `sha256-${createHash('sha256').update(part).digest('hex').slice(0, 40)}`;
}
