import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, SHARDS } from '../../src/index.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

describe.skipIf(amqpUrl === '')('shards over schedulers (real broker)', () => {
  it('serves every shard of a new namespace at once, spreads them evenly over the live schedulers, and takes them back', async () => {
    const namespace = uniqueNamespace('spread');
    const scheduler = () => new Scheduler({ url: amqpUrl, namespace, handle: () => {} });
    const a = scheduler();
    cleanup.push(() => a.stop(1000));
    await a.start();
    // Before any event: each empty shard got a token, so it is taken.
    await waitFor(
      'every shard served by the only scheduler',
      () => a.shards.length === SHARDS,
      10_000,
      () => a.shards,
    );

    const b = scheduler();
    cleanup.push(() => b.stop(1000));
    await b.start();
    await waitFor(
      'the shards spread over both',
      () => a.shards.length === SHARDS / 2 && b.shards.length === SHARDS / 2,
      15_000,
      () => ({ a: a.shards, b: b.shards }),
    );
    expect(new Set([...a.shards, ...b.shards]).size).toBe(SHARDS); // none served twice

    await b.stop(1000); // lets go of its shards, saying so: the other takes them at once
    await waitFor(
      'every shard back',
      () => a.shards.length === SHARDS,
      10_000,
      () => a.shards,
    );
  });
});
