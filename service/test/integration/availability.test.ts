import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Scheduler, type FairEvent } from '../../src/index.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

function events(host: string, vm: string, n: number): FairEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${host}-${vm}-${i}`,
    host,
    vm,
    policy: `p${i % 3}`,
    action: 'heal',
  }));
}

describe.skipIf(amqpUrl === '')('availability (real broker)', () => {
  it("runs none of a VM's events while it is in MAINTENANCE, without holding its host's prefetch, then all of them once it is back", async () => {
    const namespace = uniqueNamespace('maint');
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    // Set before any scheduler runs: the state is read from the control stream on start.
    await producer.setAvailability({ h1: { vm0: 'MAINTENANCE' } });
    // vm0's 50 events are ahead of vm1's 20 in the host's queue, and the prefetch is 2: were parked events
    // held in memory, vm1 would never get a turn.
    await producer.publish([...events('h1', 'vm0', 50), ...events('h1', 'vm1', 20)]);

    const ran: { id: string; vm: string; at: number }[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 2,
      prefetch: 2,
      handle: (e) => void ran.push({ id: e.id, vm: e.vm, at: Date.now() }),
    });
    cleanup.push(() => scheduler.stop(5000));
    await scheduler.start();
    expect(scheduler.availability.vmState('h1', 'vm0')).toBe('MAINTENANCE');

    await waitFor(
      "vm1's 20 events",
      () => ran.filter((r) => r.vm === 'vm1').length === 20,
      20_000,
      () => scheduler.stats(),
    );
    await waitFor(
      "vm0's 50 events to be parked",
      () => scheduler.stats().parked === 50,
      20_000,
      () => scheduler.stats(),
    );
    expect(ran.filter((r) => r.vm === 'vm0')).toEqual([]);

    const resumed = Date.now();
    await scheduler.setAvailability({ h1: { vm0: 'ACTIVE' } });
    await waitFor(
      "vm0's 50 events after it is back",
      () => ran.filter((r) => r.vm === 'vm0').length === 50,
      20_000,
      () => scheduler.stats(),
    );
    expect(ran.filter((r) => r.vm === 'vm0').every((r) => r.at >= resumed)).toBe(true);
    expect(new Set(ran.map((r) => r.id)).size).toBe(70); // each once
    expect(scheduler.stats().availability).toEqual({});
  });

  it('pauses a whole host in the middle of a run: what it holds goes back to the broker, the other host goes on, and all of it runs after', async () => {
    const namespace = uniqueNamespace('host-maint');
    const producer = await Producer.connect({ url: amqpUrl, namespace });
    cleanup.push(() => producer.close());
    await producer.publish([...events('h1', 'vm0', 100), ...events('h1', 'vm1', 100), ...events('h2', 'vm0', 100)]);

    const started: { id: string; host: string; at: number }[] = [];
    const scheduler = new Scheduler({
      url: amqpUrl,
      namespace,
      concurrency: 4,
      prefetch: 8,
      handle: async (e) => {
        started.push({ id: e.id, host: e.host, at: Date.now() });
        await sleep(5);
      },
    });
    cleanup.push(() => scheduler.stop(5000));
    await scheduler.start();
    await waitFor('a few events of h1', () => started.filter((s) => s.host === 'h1').length >= 10);

    await scheduler.setAvailability({ h1: 'MAINTENANCE' });
    const paused = Date.now();
    expect(scheduler.stats().queued.h1).toBeUndefined(); // nothing of h1 held in memory
    await waitFor(
      'all of h2',
      () => started.filter((s) => s.host === 'h2').length === 100,
      30_000,
      () => scheduler.stats(),
    );
    const h1During = started.filter((s) => s.host === 'h1' && s.at > paused);
    expect(h1During).toEqual([]);

    await scheduler.setAvailability({ h1: 'ACTIVE' });
    await waitFor(
      'all of h1',
      () => new Set(started.filter((s) => s.host === 'h1').map((s) => s.id)).size === 200,
      30_000,
      () => scheduler.stats(),
    );
    expect(started).toHaveLength(300); // each once: the requeued ones had not run
  });
});
