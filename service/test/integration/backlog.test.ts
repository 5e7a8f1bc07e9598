import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { hostQueue, Producer, Scheduler, topology, type FairEvent } from '../../src/index.js';
import { amqpUrl, queueExists, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

const event = (n: number, vm: string): FairEvent => ({ id: `n${n}`, host: 'noisy', vm, policy: 'p', action: 'a' });

describe.skipIf(amqpUrl === '')("a busy host's backlog queue (real broker)", () => {
  it('takes the events beyond its share out of the shard, keeps each VM in order, and is retired once drained', async () => {
    const namespace = uniqueNamespace('backlog');
    const t = topology({ namespace });
    const started: FairEvent[] = [];
    const log: string[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 2,
      prefetch: 2, // the host holds 2 in memory; the rest is moved to its own queue
      handle: async (e) => {
        started.push(e);
        await sleep(5);
      },
      log: (line) => log.push(line),
    });
    cleanup.push(() => scheduler.stop(2000));
    await scheduler.start();
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    const first = Array.from({ length: 60 }, (_, n) => event(n, n % 2 === 0 ? 'vm0' : 'vm1'));
    await producer.publish(first);
    await waitFor(
      'the first 60',
      () => started.length === 60,
      20_000,
      () => scheduler.stats(),
    );
    const moved = scheduler.stats().moved;
    expect(moved).toBeGreaterThan(0);

    // Every event of a VM started in the order it was published, those moved and those not alike.
    for (const vm of ['vm0', 'vm1']) {
      const order = started.filter((e) => e.vm === vm).map((e) => Number(e.id.slice(1)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }

    // Drained: the queue is deleted and the host's events stay in its shard again.
    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    await waitFor(
      'the backlog queue retired',
      async () => scheduler.stats().hosts === 0 && !(await queueExists(connection, hostQueue(t, 'noisy'))),
      10_000,
      () => ({ stats: scheduler.stats(), log }),
    );
    await producer.publish([event(60, 'vm0')]);
    await waitFor('one more, done', () => scheduler.stats().done === 61);
    expect(scheduler.stats()).toMatchObject({ moved, done: 61, failed: 0 });
    expect(log).toEqual([]);
  });
});
