import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  generateEvents,
  hostQueue,
  Producer,
  Scheduler,
  shardOf,
  shardQueue,
  topology,
  type FairEvent,
} from '../../src/index.js';
import { amqpUrl, rawConnection, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

describe.skipIf(amqpUrl === '')('fairness beyond memory (real broker)', () => {
  it('runs all 20 events of a quiet host within the first few hundred completions, behind 100,000 queued events of a noisy host', async () => {
    const namespace = uniqueNamespace('fair');
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    // The whole backlog is in the broker before the scheduler starts: the noisy host's first.
    const noisy = generateEvents({ hosts: 1, vms: 4, policies: 3, events: 100_000, idPrefix: 'noisy-' });
    const quiet = [...generateEvents({ hosts: 1, vms: 2, policies: 2, events: 20, idPrefix: 'quiet-' })].map(
      (event): FairEvent => ({ ...event, host: 'quiet-host' }),
    );
    expect(await producer.publish(noisy)).toBe(100_000);
    expect(await producer.publish(quiet)).toBe(20);

    let completions = 0;
    const quietAt: number[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 8,
      handle: async (event) => {
        await sleep(1);
        completions++;
        if (event.host === 'quiet-host') quietAt.push(completions);
      },
    });
    cleanup.push(() => scheduler.stop(5000));
    await scheduler.start();
    await waitFor(
      "the quiet host's 20 events",
      () => quietAt.length === 20,
      60_000,
      () => ({ completions, quietAt }),
    );

    const last = quietAt[19] as number;
    console.log(
      `fairness: the quiet host's 20 events were done by completion ${last} (of 100,020 queued); at ${quietAt.join(', ')}`,
    );
    expect(last).toBeLessThanOrEqual(300);
    // FIFO through one queue would have run them after all 100,000 noisy ones.
    const connection = await rawConnection();
    cleanup.push(() => connection.close());
    await scheduler.stop(5000);
    const channel = await connection.createChannel();
    // The noisy backlog is still in the broker, not in memory: in its shard, and moved to its own queue.
    const t = topology({ namespace });
    const inShard = (await channel.checkQueue(shardQueue(t, shardOf('compute0')))).messageCount;
    const moved = (await channel.checkQueue(hostQueue(t, 'compute0'))).messageCount;
    console.log(`fairness: the noisy backlog after the run: ${inShard} in its shard, ${moved} moved to its own queue`);
    expect(inShard + moved).toBeGreaterThan(90_000);
    for (const queue of [shardQueue(t, shardOf('compute0')), hostQueue(t, 'compute0')])
      await channel.deleteQueue(queue);
  });
});
