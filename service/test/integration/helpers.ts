import { connect, type ChannelModel, type GetMessage } from 'amqplib';
import { inject } from 'vitest';
import type { FairEvent } from '../../src/index.js';

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

/** Takes every message now in a queue (acknowledging them). */
export async function drainQueue(connection: ChannelModel, queue: string): Promise<GetMessage[]> {
  const channel = await connection.createChannel();
  const messages: GetMessage[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) break;
    messages.push(message);
  }
  await channel.close();
  return messages;
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
