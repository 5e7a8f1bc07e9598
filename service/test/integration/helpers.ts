import { connect, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { inject } from 'vitest';
import { headers, hostQueue, shardOf, shardQueue, type FairEvent, type Topology } from '../../src/index.js';

/** The test broker's URL ('' when the integration tests are skipped on purpose: see globalSetup.ts). */
export const amqpUrl = inject('amqpUrl');

/** The test broker's folder for `broker.sh restart`, or '' when it is not ours to restart. */
export const brokerDir = inject('brokerDir');

let counter = 0;

/** A namespace of its own for each test, so tests sharing the broker never meet. */
export function uniqueNamespace(name: string): string {
  return `t.${name}.${process.pid}.${Date.now().toString(36)}.${counter++}`;
}

/** Polls `check` until it returns true; fails after `timeoutMs` with `what` and the last `describe()`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  describe?: () => unknown,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${describe === undefined ? '' : `: ${JSON.stringify(describe())}`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A plain amqplib connection for looking into queues from a test. */
export async function rawConnection(): Promise<ChannelModel> {
  return connect(amqpUrl);
}

/**
 * Takes every message now in a queue (acknowledging them). Consumes rather than `basic.get`, which quorum queues
 * with a single active consumer refuse: done once nothing came for 300 ms.
 */
export async function drainQueue(connection: ChannelModel, queue: string): Promise<ConsumeMessage[]> {
  const channel = await connection.createChannel();
  const messages: ConsumeMessage[] = [];
  let last = Date.now();
  const { consumerTag } = await channel.consume(
    queue,
    (message) => {
      if (message === null) return;
      messages.push(message);
      last = Date.now();
    },
    { noAck: true },
  );
  while (Date.now() - last < 300) await new Promise((resolve) => setTimeout(resolve, 50));
  await channel.cancel(consumerTag);
  await channel.close();
  return messages;
}

/** Whether a queue exists (asked on a channel of its own, which the broker closes if it does not). */
export async function queueExists(connection: ChannelModel, queue: string): Promise<boolean> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  try {
    await channel.checkQueue(queue);
    await channel.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the events of a host now in the broker, in its shard and its backlog queue (acknowledging them, and the
 * other hosts' events of the shard too): what a stopped scheduler left there. Shard tokens are not events.
 */
export async function drainHost(connection: ChannelModel, t: Topology, host: string): Promise<FairEvent[]> {
  const messages = await drainQueue(connection, shardQueue(t, shardOf(host)));
  if (await queueExists(connection, hostQueue(t, host)))
    messages.push(...(await drainQueue(connection, hostQueue(t, host))));
  return messages
    .filter((m) => m.properties.headers?.[headers.token] === undefined)
    .map((m) => JSON.parse(m.content.toString()) as FairEvent)
    .filter((e) => e.host === host);
}

/** Messages ready in a queue. */
export async function queueDepth(connection: ChannelModel, queue: string): Promise<number> {
  const channel = await connection.createChannel();
  try {
    return (await channel.checkQueue(queue)).messageCount;
  } finally {
    await channel.close().catch(() => {});
  }
}

/** An event of host h1, VM vm1, policy and action heal, with `extra` over it. */
export function event(id: string, extra: Partial<FairEvent> = {}): FairEvent {
  return { id, host: 'h1', vm: 'vm1', policy: 'heal', action: 'heal', ...extra };
}
