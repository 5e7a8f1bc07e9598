import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Scheduler, type FairEvent } from '../../src/index.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

/** A port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(amqpUrl === '')("a cluster's nodes as --amqp (real broker)", () => {
  it('connects to the first node that answers, for the scheduler and the producer, given as a list or with commas', async () => {
    const down = `amqp://guest:guest@127.0.0.1:${await closedPort()}`;
    const namespace = uniqueNamespace('nodes');
    const done: string[] = [];
    const log: string[] = [];
    const scheduler = new Scheduler({
      url: [down, amqpUrl],
      namespace,
      handle: (e: FairEvent) => void done.push(e.id),
      log: (line) => log.push(line),
    });
    cleanup.push(() => scheduler.stop(2000));
    await scheduler.start();
    const producer = await Producer.connect({ url: `${down},${amqpUrl}`, namespace });
    cleanup.push(() => producer.close());
    await producer.publish([{ id: 'e1', host: 'h', vm: 'v', policy: 'p', action: 'a' }]);
    await waitFor('the event', () => done.includes('e1'));
    expect(scheduler.consuming).toBe(true);
  });

  it('says what each node answered when none does', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const url = [`amqp://guest:secret@127.0.0.1:${a}`, `amqp://guest:secret@127.0.0.1:${b}`];
    await expect(Producer.connect({ url })).rejects.toThrow(
      `cannot connect to the broker at amqp://guest:***@127.0.0.1:${a}: connection refused (is RabbitMQ running on that port?); ` +
        `amqp://guest:***@127.0.0.1:${b}: connection refused (is RabbitMQ running on that port?)`,
    );
    expect(() => new Scheduler({ url: [], handle: () => {} })).toThrow(TypeError);
    expect(() => new Scheduler({ url: 'amqp://a:1,http://b', handle: () => {} })).toThrow(
      '--amqp: expected an amqp:// or amqps:// URL, got http://b',
    );
  });
});
