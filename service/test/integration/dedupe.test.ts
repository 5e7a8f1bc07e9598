import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Scheduler, type FairEvent } from '../../src/index.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

const event = (id: string): FairEvent => ({ id, host: 'h1', vm: 'vm1', policy: 'heal', action: 'migrate' });

describe.skipIf(amqpUrl === '')('idempotent redelivery (real broker)', () => {
  it('does not run again an event whose id was done within the window, on any scheduler, until the window is 0', async () => {
    const namespace = uniqueNamespace('dedupe');
    const ran: string[] = [];
    const start = async (dedupeWindow?: number) => {
      const scheduler = new Scheduler({
        url: amqpUrl,
        namespace,
        ...(dedupeWindow === undefined ? {} : { dedupeWindow }),
        handle: (e) => void ran.push(e.id),
      });
      await scheduler.start();
      return scheduler;
    };
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());

    const a = await start();
    await producer.publish([event('m1')]);
    await waitFor('m1 done', () => a.stats().done === 1);
    await producer.publish([event('m1')]); // the same event again, as a redelivery brings it
    await waitFor(
      'the second m1 skipped',
      () => a.stats().skipped === 1,
      10_000,
      () => a.stats(),
    );
    await a.stop(2000);

    // Another scheduler, started later, reads the ids done from the stream before it consumes.
    const b = await start();
    cleanup.push(() => b.stop(2000));
    await producer.publish([event('m1'), event('m2')]);
    await waitFor(
      'm2 done',
      () => b.stats().done === 1,
      10_000,
      () => b.stats(),
    );
    await waitFor(
      'm1 skipped by the other scheduler',
      () => b.stats().skipped === 1,
      10_000,
      () => b.stats(),
    );
    await b.stop(2000);

    // With a window of 0 every delivery runs: at-least-once, as before.
    const c = await start(0);
    cleanup.push(() => c.stop(2000));
    await producer.publish([event('m1')]);
    await waitFor(
      'm1 run again',
      () => c.stats().done === 1,
      10_000,
      () => c.stats(),
    );
    expect(c.stats().skipped).toBe(0);
    expect(ran).toEqual(['m1', 'm2', 'm1']);
  });
});
