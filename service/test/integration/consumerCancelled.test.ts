import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Scheduler, shardOf, shardQueue, topology, type FairEvent } from '../../src/index.js';
import { startRestServer } from '../../src/restServer.js';
import { amqpUrl, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

const event = (id: string, host: string): FairEvent => ({ id, host, vm: 'vm1', policy: 'heal', action: 'heal' });

describe.skipIf(amqpUrl === '')('a consumer the broker cancels (real broker)', () => {
  it('is consumed again (a shard), with a log line and not `consuming` (so /health 503) until then, and no other host is held up', async () => {
    const namespace = uniqueNamespace('cancelled');
    const t = topology({ namespace });
    const done: string[] = [];
    const log: string[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 4,
      handle: (e) => void done.push(e.id),
      log: (line) => log.push(line),
    });
    cleanup.push(() => scheduler.stop(2000));
    await scheduler.start();
    const server = await startRestServer(scheduler, { port: 0, token: 't', dashboard: false });
    cleanup.push(() => server.close());
    const health = async () => (await fetch(`${server.url}/health`)).status;

    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    await producer.publish([event('h1-before', 'h1'), event('h2-before', 'h2')]);
    await waitFor('both hosts served', () => done.includes('h1-before') && done.includes('h2-before'));
    expect(await health()).toBe(200);

    // What an operator's mistake or a lost node does: the queue goes, and the broker cancels its consumer.
    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    const channel = await connection.createChannel();
    // `changes` fires on every state change, the cancel included: what `consuming` (and so /health) said each time.
    const states: boolean[] = [];
    const watching = scheduler.changes.subscribe(() => states.push(scheduler.consuming));
    cleanup.push(async () => watching.unsubscribe());
    expect(shardOf('h1')).not.toBe(shardOf('h2'));
    const queue = shardQueue(t, shardOf('h1'));
    await channel.deleteQueue(queue);

    await waitFor('the cancel to be logged', () => log.some((line) => line.includes('cancelled the consumer')));
    await waitFor(
      'consuming again',
      () => scheduler.consuming,
      10_000,
      () => log,
    );
    expect(log).toContain(`rxjs-fair: the broker cancelled the consumer of ${queue}; consuming it again`);
    expect(log).toContain(`rxjs-fair: consuming ${queue} again`);

    // The shard is declared again and bound: new events of the host run, and the other host never stopped.
    await producer.publish([event('h1-after', 'h1'), event('h2-after', 'h2')]);
    await waitFor('the host served again', () => done.includes('h1-after') && done.includes('h2-after'));
    expect(await health()).toBe(200);
    expect(states.indexOf(false)).toBeGreaterThanOrEqual(0); // not consuming everything, for a while
    expect(states.at(-1)).toBe(true);
    expect(scheduler.stats().consuming).toBe(true);
  });
});
