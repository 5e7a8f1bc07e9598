import { createHash } from 'node:crypto';
import type { Channel, Options } from 'amqplib';

/**
 * Where everything lives in the broker. Every name starts with the namespace (`rxjs-fair` by default), so
 * several deployments, or test runs, share one broker without meeting.
 *
 * - `<ns>.events`, a direct exchange, and `SHARDS` shard queues `<ns>.shard.<k>`: an event goes to the shard of its
 *   host (a hash of the host's name), so the broker holds as many queues for 100,000 hosts as for 10. Each shard
 *   is served by one scheduler at a time (single active consumer): the broker's own mutual exclusion keeps every
 *   host on one scheduler, which is what makes caps and per-VM order hold across schedulers.
 * - `<ns>.host.<host>`: a host's backlog, moved out of its shard by the shard's scheduler when the host is paused
 *   or has more events in memory than its share, so that a quiet host's event is never behind a noisy host's
 *   backlog in the broker. Consumed by the shard's scheduler while the host is ACTIVE. With priority levels, the
 *   events of level i have a queue of their own, `<ns>.level<i>.<host>`, so that none waits behind routine ones.
 * - `<ns>.live-schedulers`: a queue every scheduler consumes and nobody publishes to: its consumers are the live
 *   schedulers, which is how each one knows its share of the shards. A transient classic queue: a node's loss takes
 *   its consumers off at once (a quorum queue counts them for as long as the node is away), and takes the queue
 *   with it if it lived there (the schedulers declare it again on a node left).
 * - `<ns>.control`, a stream: the registry that every scheduler reads on start. It holds the hosts with a backlog
 *   queue, the parked queues, every availability and weights change in order (so they are durable and shared), and
 *   which scheduler took or let go of each shard.
 * - `<ns>.snapshots`, a stream: the registry's state at an offset, written every thousand or so records, so that a
 *   scheduler reads the newest snapshot and the records after it, not the registry's whole history.
 * - `<ns>.done`, a stream kept an hour: the ids of the events done, so that a redelivered one is not run again.
 * - `<ns>.parked.<host>.<vm>`: a paused VM's events, moved out of the way so that they hold none of what the
 *   scheduler fetches for the rest of the host; consumed again once the VM is back.
 * - `<ns>.retry` (a headers exchange) and `<ns>.retry.<ms>` queues: a failed action waits there for its backoff, then
 *   is dead-lettered back into `<ns>.events` under its host's shard.
 * - `<ns>.dead`, a fanout exchange and a queue: messages that cannot run (malformed, failed too often, or handed
 *   back `DELIVERY_LIMIT` times), with the reason in the `x-rxjs-fair-reason` header (the broker's `x-death` for
 *   the last).
 *
 * Every queue that holds events is a quorum queue: replicated over a cluster's nodes, it survives the loss of one.
 */
export interface Topology {
  readonly namespace: string;
  readonly events: string;
  readonly control: string;
  /** The registry's snapshots: a scheduler starts from the newest, not from the registry's first message. */
  readonly snapshots: string;
  readonly done: string;
  readonly retry: string;
  readonly dead: string;
  /** The queue whose consumers are the live schedulers. */
  readonly schedulers: string;
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
  /** On a shard's token, the message its scheduler holds so that it learns at once that it serves the shard. */
  token: 'x-rxjs-fair-token',
} as const;

/**
 * How many shards the events are spread over. Fixed, so that every producer and scheduler of a namespace agrees
 * without asking: 16 spreads over up to 16 schedulers, and a shard's queue carries thousands of events a second.
 */
export const SHARDS = 16;

/**
 * How many times a message may be handed back to its shard (a scheduler crashed or let go of it) before the broker
 * dead-letters it as poison: a message that kills every scheduler that takes it must not do so forever.
 */
export const DELIVERY_LIMIT = 50;

/**
 * The AMQP heartbeat every process asks for, in seconds: a connection cut off is noticed within a few of them, by
 * the broker (which then gives a vanished scheduler's shards to another) and by the scheduler (which then stops
 * starting actions).
 */
export const HEARTBEAT_SECONDS = 5;

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
    snapshots: `${namespace}.snapshots`,
    done: `${namespace}.done`,
    retry: `${namespace}.retry`,
    dead: `${namespace}.dead`,
    schedulers: `${namespace}.live-schedulers`,
    retryDelays: Array.from({ length: maxAttempts - 1 }, (_, i) => retryDelay * 2 ** i),
  };
}

/** The shard of a host: FNV-1a of its name (UTF-16 code units), modulo `SHARDS`. Stable across versions. */
export function shardOf(host: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < host.length; i++) hash = Math.imul(hash ^ host.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % SHARDS;
}

/** A host's routing key on the events exchange: its shard's. */
export function hostKey(host: string): string {
  return shardKey(shardOf(host));
}

export function shardKey(shard: number): string {
  return `shard.${shard}`;
}

export function shardQueue(t: Topology, shard: number): string {
  return `${t.namespace}.shard.${shard}`;
}

/** A host's backlog queue: of its routine events, or with `level` of that priority level's. */
export function hostQueue(t: Topology, host: string, level?: number): string {
  return level === undefined
    ? `${t.namespace}.host.${shortName(host)}`
    : `${t.namespace}.level${level}.${shortName(host)}`;
}

/** Whether a queue is one of a host's backlog queues (of any level). */
export function isHostQueue(t: Topology, queue: string, host: string): boolean {
  const name = shortName(host);
  if (queue === hostQueue(t, host)) return true;
  const prefix = `${t.namespace}.level`;
  const suffix = `.${name}`;
  if (!queue.startsWith(prefix) || !queue.endsWith(suffix)) return false;
  return /^\d+$/.test(queue.slice(prefix.length, queue.length - suffix.length));
}

export function parkedQueue(t: Topology, host: string, vm: string): string {
  return `${t.namespace}.parked.${shortName(`${host.length}:${host}.${vm}`)}`;
}

export function retryQueue(t: Topology, delay: number): string {
  return `${t.retry}.${delay}`;
}

/**
 * A queue of events: replicated, one consumer at a time (`x-single-active-consumer`: the others wait their turn),
 * and what is handed back `DELIVERY_LIMIT` times dead-lettered (poison; the broker's `x-death` reason is
 * `delivery_limit`), at least once: kept until the dead-letter queue has it.
 */
function eventQueue(t: Topology): Options.AssertQueue {
  return {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-single-active-consumer': true,
      'x-delivery-limit': DELIVERY_LIMIT,
      'x-dead-letter-exchange': t.dead,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  };
}

/** Declares the exchanges and queues every process needs (idempotent). */
export async function assertTopology(channel: Channel, t: Topology): Promise<void> {
  await channel.assertExchange(t.events, 'direct', { durable: true });
  await channel.assertExchange(t.dead, 'fanout', { durable: true });
  await channel.assertQueue(t.dead, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(t.dead, t.dead, '');
  for (let shard = 0; shard < SHARDS; shard++) await assertShardQueue(channel, t, shard);
  await assertSchedulersQueue(channel, t);
  await channel.assertQueue(t.control, { durable: true, arguments: { 'x-queue-type': 'stream' } });
  // Read in full on start, for its newest snapshot: kept small (the broker trims a segment at a time).
  await channel.assertQueue(t.snapshots, {
    durable: true,
    arguments: {
      'x-queue-type': 'stream',
      'x-max-length-bytes': 16 * 1024 * 1024,
      'x-stream-max-segment-size-bytes': 2 * 1024 * 1024,
    },
  });
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
      arguments: {
        'x-queue-type': 'quorum',
        'x-message-ttl': delay,
        'x-dead-letter-exchange': t.events,
        // Moved back only once the shard has it: a node lost at that moment loses no retry.
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
    });
    await channel.bindQueue(queue, t.retry, '', { 'x-match': 'all', [headers.delay]: String(delay) });
  }
}

/** Declares the queue whose consumers are the live schedulers (see `Topology`). */
export async function assertSchedulersQueue(channel: Channel, t: Topology): Promise<void> {
  await channel.assertQueue(t.schedulers, { durable: false, arguments: { 'x-queue-type': 'classic' } });
}

/** Declares a shard's queue and binds it by the shard's routing key (idempotent). */
export async function assertShardQueue(channel: Channel, t: Topology, shard: number): Promise<void> {
  const queue = shardQueue(t, shard);
  await channel.assertQueue(queue, eventQueue(t));
  await channel.bindQueue(queue, t.events, shardKey(shard));
}

/**
 * Declares a host's backlog queue or a parked queue, by its name (idempotent); only the scheduler serving the host's
 * shard publishes to it.
 */
export async function assertEventQueue(channel: Channel, t: Topology, queue: string): Promise<void> {
  await channel.assertQueue(queue, eventQueue(t));
}

/** A name part as it is, or a hash of it when it would make a name too long (AMQP names are 255 bytes at most). */
function shortName(part: string): string {
  return Buffer.byteLength(part) <= 180
    ? part
    : `sha256-${createHash('sha256').update(part).digest('hex').slice(0, 40)}`;
}
