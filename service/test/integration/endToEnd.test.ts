import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Scheduler, type FairEvent } from '../../src/index.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.ceil(values.length / 2) - 1] ?? NaN;

describe.skipIf(amqpUrl === '')('end-to-end waits (real broker)', () => {
  it("measures a quiet host's wait from the publish, behind a noisy backlog, as the handler's own clock does", async () => {
    const namespace = uniqueNamespace('e2e');
    // The handler's own measure of each quiet event's wait: its start minus the publish time the test put in it.
    const felt: number[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 4,
      prefetch: 4,
      handle: async (e: FairEvent) => {
        if (e.host === 'quiet') felt.push(Date.now() - (e.payload as { sentAt: number }).sentAt);
        await new Promise((resolve) => setTimeout(resolve, 2));
      },
    });
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    const noisy: FairEvent[] = [];
    for (let i = 0; i < 3000; i++)
      noisy.push({ id: `n${i}`, host: 'noisy', vm: `v${i % 4}`, policy: 'p', action: 'heal' });
    await producer.publish(noisy);
    cleanup.push(() => scheduler.stop(2000));
    await scheduler.start();
    await waitFor('the backlog draining', () => scheduler.stats().done >= 200);

    // Quiet events published one by one while the noisy backlog drains: they wait in the broker only as long as
    // the quiet host's own prefetch is full, then in the scheduler for a free slot.
    for (let i = 0; i < 20; i++) {
      await producer.publish([
        { id: `q${i}`, host: 'quiet', vm: 'v', policy: 'p', action: 'heal', payload: { sentAt: Date.now() } },
      ]);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await waitFor(
      'the quiet events done',
      () => felt.length === 20,
      20_000,
      () => scheduler.stats(),
    );

    const quiet = scheduler.activity().get('quiet');
    expect(quiet?.endToEnd?.count).toBe(20);
    expect(quiet?.waits?.count).toBe(20);
    const e2e = quiet?.endToEnd?.p50 ?? NaN;
    const own = median(felt);
    console.log(
      `end to end: quiet host p50 ${e2e.toFixed(1)} ms (the handler's clock: ${own} ms), in the scheduler ${quiet?.waits?.p50.toFixed(1)} ms, ` +
        `noisy host ${scheduler.activity().get('noisy')?.endToEnd?.p50.toFixed(0)} ms, ${scheduler.stats().done} done`,
    );
    // One clock here, so they differ only by what lies between the dispatch and the handler's first line.
    expect(Math.abs(e2e - own)).toBeLessThanOrEqual(Math.max(5, own * 0.2));
    expect(quiet?.waits?.p50).toBeLessThanOrEqual(e2e + 1);
    // Fair through the broker: the quiet host waits a turn, not the noisy host's backlog.
    expect(e2e).toBeLessThan((scheduler.activity().get('noisy')?.endToEnd?.p50 ?? 0) / 10);
  });
});
