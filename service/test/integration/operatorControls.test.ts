import { afterEach, describe, expect, it } from 'vitest';
import { Producer, Scheduler, type FairEvent, type SchedulerOptions } from '../../src/index.js';
import { startRestServer } from '../../src/restServer.js';
import { amqpUrl, uniqueNamespace, waitFor } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

interface Run {
  readonly event: FairEvent;
  readonly start: number;
  end: number;
}

/** A handler that takes `ms` per action and keeps the log of (event, start, end) a test reads overlaps from. */
function loggingHandler(ms: (event: FairEvent) => number) {
  const runs: Run[] = [];
  let clock = 0; // a counter, not a clock: starts and ends in the order they happened
  const handle = async (event: FairEvent) => {
    const run: Run = { event, start: clock++, end: Infinity };
    runs.push(run);
    await new Promise((resolve) => setTimeout(resolve, ms(event)));
    run.end = clock++;
  };
  /** The most runs at once among those `same` groups together. */
  const most = (same: (a: FairEvent, b: FairEvent) => boolean) =>
    Math.max(
      0,
      ...runs.map((r) => runs.filter((o) => same(o.event, r.event) && o.start <= r.start && o.end > r.start).length),
    );
  return { handle, runs, most };
}

const event = (id: string, host: string, vm: string, action = 'heal', policy = 'heal'): FairEvent => ({
  id,
  host,
  vm,
  policy,
  action,
});

/** A started scheduler with `options` in a namespace of its own, and a producer for it; both stopped after the test. */
async function started(name: string, options: Omit<SchedulerOptions, 'url' | 'namespace'>) {
  const namespace = uniqueNamespace(name);
  const scheduler = new Scheduler({ url: amqpUrl, namespace, ...options });
  cleanup.push(() => scheduler.stop(5000));
  await scheduler.start();
  const producer = await Producer.connect({ url: amqpUrl, namespace });
  cleanup.push(() => producer.close());
  return { scheduler, producer };
}

describe.skipIf(amqpUrl === '')("operators' controls (real broker)", () => {
  it('starts at most n actions of a host in any second, at an even pace, and keeps the slots busy for other hosts', async () => {
    const starts = new Map<string, number[]>();
    const handle = async (e: FairEvent) => {
      const host = e.host === 'busy' ? 'busy' : 'others';
      starts.set(host, [...(starts.get(host) ?? []), performance.now()]);
      await new Promise((resolve) => setTimeout(resolve, 5));
    };
    const { scheduler, producer } = await started('rate', {
      concurrency: 8,
      rate: { host: { limit: 5, interval: 1000 } },
      handle,
    });
    // 15 events of one host, then one each of 15 other hosts (each within its own rate).
    await producer.publish([
      ...Array.from({ length: 15 }, (_, i) => event(`busy-${i}`, 'busy', `vm${i % 3}`)),
      ...Array.from({ length: 15 }, (_, i) => event(`other-${i}`, `other${i}`, 'vm0')),
    ]);
    await waitFor(
      'all 30',
      () => scheduler.stats().done === 30,
      15_000,
      () => scheduler.stats(),
    );
    const busy = starts.get('busy') ?? [];
    const others = starts.get('others') ?? [];
    expect(busy).toHaveLength(15);
    // Any 6 consecutive starts span a second or more: never more than 5 in a second (less 30 ms for the handler's
    // own clock reads, which come a moment after each dispatch).
    for (let i = 0; i + 5 < busy.length; i++)
      expect((busy[i + 5] as number) - (busy[i] as number)).toBeGreaterThanOrEqual(1000 - 30);
    // Work-conserving: the other hosts ran while the busy one waited for its tokens, not after it.
    expect(Math.max(...others)).toBeLessThan(busy[5] as number);
  });

  it('never runs more than the caps: one action per VM, two per host, with free slots for the others', async () => {
    const log = loggingHandler(() => 15);
    const { scheduler, producer } = await started('caps', {
      concurrency: 8,
      caps: { host: 2, vm: 1 },
      handle: log.handle,
    });
    const events: FairEvent[] = [];
    for (let i = 0; i < 6; i++)
      for (const host of ['h1', 'h2', 'h3'])
        for (const vm of ['v1', 'v2', 'v3']) events.push(event(`${host}-${vm}-${i}`, host, vm));
    await producer.publish(events);
    await waitFor(
      'every event',
      () => scheduler.stats().done === events.length,
      30_000,
      () => scheduler.stats(),
    );

    expect(log.most((a, b) => a.host === b.host && a.vm === b.vm)).toBe(1);
    expect(log.most((a, b) => a.host === b.host)).toBe(2);
    expect(log.most(() => true)).toBe(6); // three hosts at their cap of two: the slots went to the others
  });

  it('gives an action of cost n that many slots: a migrate runs alone in a concurrency of 4', async () => {
    const log = loggingHandler(() => 10);
    const { scheduler, producer } = await started('cost', {
      concurrency: 4,
      cost: { migrate: 4 },
      handle: log.handle,
    });
    const events: FairEvent[] = [];
    for (let i = 0; i < 12; i++) events.push(event(`e${i}`, `h${i % 4}`, 'v1', i % 3 === 0 ? 'migrate' : 'heal'));
    await producer.publish(events);
    await waitFor(
      'every event',
      () => scheduler.stats().done === events.length,
      30_000,
      () => scheduler.stats(),
    );

    const migrating = log.runs.filter((r) => r.event.action === 'migrate');
    expect(migrating).toHaveLength(4);
    for (const m of migrating) {
      const beside = log.runs.filter((o) => o !== m && o.start < m.end && o.end > m.start);
      expect(
        beside.map((o) => o.event.id),
        `beside ${m.event.id}`,
      ).toEqual([]);
    }
    expect(log.most(() => true)).toBeGreaterThanOrEqual(2); // the heals share the slots
    expect(log.most(() => true)).toBeLessThanOrEqual(4);
  });

  it('runs an urgent action posted behind a routine backlog of its host among the first: in memory and in the broker', async () => {
    const log = loggingHandler(() => 30);
    const { scheduler, producer } = await started('priority', {
      concurrency: 2,
      prefetch: 4, // the host's routine backlog is moved to its backlog queue at once
      caps: { vm: 1 },
      priority: { levels: [['heal']] },
      handle: log.handle,
    });
    const routine = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => event(`update-${from + i}`, 'h1', `v${i % 2}`, 'update', 'update'));
    await producer.publish([...routine(150), event('heal-1', 'h1', 'v0')]);
    await waitFor(
      'the heal',
      () => log.runs.some((r) => r.event.id === 'heal-1'),
      20_000,
      () => scheduler.stats(),
    );
    const position = log.runs.findIndex((r) => r.event.id === 'heal-1');

    // Paused, every event of the host goes to its backlog queues: the heal to its level's, not behind the updates.
    await scheduler.setAvailability({ h1: 'MAINTENANCE' });
    const moved = scheduler.stats().moved;
    await producer.publish([...routine(100, 150), event('heal-2', 'h1', 'v1')]);
    await waitFor(
      'all moved',
      () => scheduler.stats().moved >= moved + 101,
      20_000,
      () => scheduler.stats(),
    );
    const before = log.runs.length;
    await scheduler.setAvailability({ h1: 'ACTIVE' });
    await waitFor(
      'every event',
      () => scheduler.stats().done === 252,
      30_000,
      () => scheduler.stats(),
    );
    const afterPause = log.runs.slice(before).findIndex((r) => r.event.id === 'heal-2');
    console.log(
      `priority: heal-1 was the action started #${position + 1} of 151, heal-2 #${afterPause + 1} of 101 once resumed`,
    );

    // It reaches the scheduler once the updates before it in the shard are moved out (thousands a second), while
    // two actions of 30 ms run at a time: a few of them start meanwhile. Without priority it would run 151st.
    expect(position, 'heal-1 among the first dispatched, of 151').toBeLessThan(20);
    expect(afterPause, 'heal-2 among the first dispatched once resumed, of the 101 queued').toBeLessThan(6);
    // The VM cap counts every level, and across the pause what still ran from before it.
    expect(log.most((a, b) => a.host === b.host && a.vm === b.vm)).toBe(1);
    expect(new Set(log.runs.map((r) => r.event.id)).size).toBe(252);
    // Each VM's order: those posted while paused ran in order, after all the VM's earlier ones. (Of the earlier ones,
    // the few the scheduler held from the shard when the pause came went behind the host's backlog queue.)
    for (const vm of ['v0', 'v1']) {
      const updates = log.runs.filter((r) => r.event.vm === vm && r.event.action === 'update');
      const ids = updates.map((r) => Number(r.event.id.slice('update-'.length)));
      const paused = ids.filter((id) => id >= 150);
      expect(paused, `${vm}'s updates posted while paused, in order`).toEqual([...paused].sort((x, y) => x - y));
      expect(ids.slice(-paused.length), `${vm}'s updates posted while paused, last`).toEqual(paused);
    }
  });

  it('conflates a latest policy: queued states of a VM are replaced by the newest, acknowledged and counted', async () => {
    const ran: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { scheduler, producer } = await started('latest', {
      concurrency: 1,
      prefetch: 8, // conflation is among the events held from the host's queue
      latest: ['state'],
      handle: async (e) => {
        ran.push(e.id);
        if (e.id === 'block') await gate; // holds the only slot while the states queue
      },
    });
    await producer.publish([event('block', 'h1', 'v0')]);
    await waitFor('the blocking action', () => ran.includes('block'));
    await producer.publish(['s1', 's2', 's3'].map((id) => event(id, 'h1', 'v1', 'report', 'state')));
    await waitFor(
      'two states replaced',
      () => scheduler.stats().conflated === 2,
      10_000,
      () => scheduler.stats(),
    );
    release();
    await waitFor('the newest state', () => ran.includes('s3'));
    await waitFor(
      'settled',
      () => scheduler.stats().done === 2,
      10_000,
      () => scheduler.stats(),
    );
    expect(ran).toEqual(['block', 's3']);
    expect(scheduler.stats()).toMatchObject({ done: 2, conflated: 2, failed: 0 });
  });

  it('PUT /weights is in force on every scheduler, and on one started later (durable, shared)', async () => {
    const namespace = uniqueNamespace('weights');
    const start = async () => {
      const scheduler = new Scheduler({ url: amqpUrl, namespace, handle: () => {} });
      cleanup.push(() => scheduler.stop(2000));
      await scheduler.start();
      return scheduler;
    };
    const [a, b] = [await start(), await start()];
    const server = await startRestServer(a, { port: 0, token: 't', dashboard: false });
    cleanup.push(() => server.close());
    const put = (body: unknown) =>
      fetch(`${server.url}/weights`, {
        method: 'PUT',
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const ok = await put({ compute1: 3, compute2: 2 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ weights: { compute1: 3, compute2: 2 } });
    await waitFor('the other scheduler', () => b.stats().weights.compute1 === 3);
    expect((await put({ compute2: 1 })).status).toBe(200); // 1: back to the default
    await waitFor('the reset on the other scheduler', () => b.stats().weights.compute2 === undefined);
    expect((await start()).stats().weights).toEqual({ compute1: 3 });

    for (const [body, field] of [
      [{ compute1: 0 }, 'compute1'],
      [{ compute1: 1.5 }, 'compute1'],
      [{ compute1: '3' }, 'compute1'],
      [{}, '(body)'],
      [[3], '(body)'],
    ] as const) {
      const bad = await put(body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(((await bad.json()) as { field: string }).field).toBe(field);
    }
    expect(a.stats().weights).toEqual({ compute1: 3 });
  });
});
