// The dashboard's stats stream and its parts, without a broker (they live with the service's tests; milliseconds).
import { map, NEVER, of, Subject, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  dashboardView,
  DispatchStats,
  InvalidInputError,
  statsStream,
  WaitWindow,
  type HostActivity,
  type QueueDepths,
  type SchedulerStats,
  type StatsSnapshot,
  type StatsSource,
} from '../src/index.js';
import { parseViewQuery } from '../src/dashboardRoutes.js';
import { createTestScheduler } from '../../test/support/marbles.js';

const baseStats: SchedulerStats = {
  consuming: true,
  concurrency: 4,
  id: 'test',
  shards: [],
  hosts: 0,
  queued: {},
  active: 0,
  dispatched: 0,
  done: 0,
  retried: 0,
  failed: 0,
  timedOut: 0,
  malformed: 0,
  parked: 0,
  moved: 0,
  conflated: 0,
  skipped: 0,
  weights: {},
  availability: {},
};

/** A stand-in for the scheduler: its stats are whatever the test sets; it counts how often it is read. */
function fakeSource(changes: Observable<unknown> = NEVER) {
  const source = {
    changes,
    current: { ...baseStats } as SchedulerStats,
    activityNow: new Map<string, HostActivity>(),
    depths: { shards: 0, hosts: {}, parked: {} } as QueueDepths,
    reads: 0,
    depthReads: 0,
    stats() {
      source.reads++;
      return source.current;
    },
    activity() {
      return source.activityNow;
    },
    // Synchronous, for virtual time (the scheduler's is a Promise).
    queueDepths() {
      source.depthReads++;
      return of(source.depths);
    },
  };
  return source satisfies StatsSource;
}

describe('WaitWindow', () => {
  it('reports exact nearest-rank percentiles up to 2,048 waits, and the exact maximum', () => {
    const window = new WaitWindow(30_000);
    for (let wait = 1; wait <= 1000; wait++) window.record(wait, 0);
    expect(window.summary(0)).toEqual({ count: 1000, p50: 500, p90: 900, p99: 990, max: 1000 });
  });

  it('reports percentiles within 1 % beyond 2,048 waits (WaitSketch), and the exact maximum', () => {
    const window = new WaitWindow(30_000);
    for (let wait = 1; wait <= 10_000; wait++) window.record(wait, 0);
    const summary = window.summary(0);
    expect(summary?.count).toBe(10_000);
    expect(summary?.max).toBe(10_000);
    for (const [figure, exact] of [
      [summary?.p50, 5000],
      [summary?.p90, 9000],
      [summary?.p99, 9900],
    ] as const) {
      expect(Math.abs((figure as number) - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(summary?.p99).toBeLessThanOrEqual(10_000);
  });

  it('counts negative waits as 0, and reports nothing when empty', () => {
    const window = new WaitWindow();
    expect(window.summary(0)).toBeNull();
    window.record(0.3, 0);
    window.record(-1, 0);
    expect(window.summary(0)).toEqual({ count: 2, p50: 0, p90: 0.3, p99: 0.3, max: 0.3 });
  });

  it('forgets waits older than two windows', () => {
    const window = new WaitWindow(1000);
    window.record(5000, 0);
    window.record(10, 1500); // a new window; the first one is now the previous
    expect(window.summary(1500)?.count).toBe(2);
    expect(window.summary(2600)).toMatchObject({ count: 1, max: 10 }); // the 5000 ms wait aged out
    expect(window.summary(10_000)).toBeNull();
    window.record(7, 10_000); // after a gap of more than two windows, nothing of before
    expect(window.summary(10_500)).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 });
  });

  it('refuses a window that is not a positive number', () => {
    expect(() => new WaitWindow(0)).toThrow(TypeError);
  });
});

describe('DispatchStats', () => {
  it('counts dispatches and running actions per host and VM', () => {
    const stats = new DispatchStats();
    stats.dispatched('h1', 'vm1', 5, 0);
    stats.dispatched('h1', 'vm2', 15, 0);
    stats.dispatched('h2', 'vm1', 1, 0);
    stats.finished('h1', 'vm1');
    const snapshot = stats.snapshot(0);
    expect(snapshot.get('h1')).toMatchObject({ dispatched: 2, active: 1, activeByVm: { vm2: 1 } });
    expect(snapshot.get('h1')?.waits?.max).toBe(15);
    expect(snapshot.get('h2')).toMatchObject({ dispatched: 1, active: 1, activeByVm: { vm1: 1 } });
  });

  it('forgets a host idle for two windows, and only one with nothing running; the total keeps its dispatches', () => {
    const stats = new DispatchStats(1000);
    stats.dispatched('idle', 'vm1', 5, 0);
    stats.finished('idle', 'vm1');
    stats.dispatched('running', 'vm1', 5, 0); // still running
    stats.dispatched('recent', 'vm1', 5, 1500);
    stats.finished('recent', 'vm1');
    stats.prune(2000); // idle for exactly two windows: kept
    expect([...stats.snapshot(2000).keys()]).toEqual(['idle', 'running', 'recent']);
    stats.prune(2001);
    expect([...stats.snapshot(2001).keys()]).toEqual(['running', 'recent']);
    expect(stats.total).toBe(3);
    stats.dispatched('idle', 'vm1', 5, 2002); // back: counted afresh
    expect(stats.snapshot(2002).get('idle')).toMatchObject({ dispatched: 1 });
    expect(stats.total).toBe(4);
  });
});

describe('statsStream', () => {
  it('emits a snapshot at once, then at most one per interval however many changes arrive (leading and trailing)', () => {
    // A change every 10 ms for 1 s, then silence: snapshots at 0 (subscribe), then every 250 ms while changes keep
    // coming, one trailing snapshot for the last of them, then only the heartbeat (every 1000 ms).
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const changes = hot(`${'a 9ms '.repeat(100)}`);
      const source = fakeSource(changes);
      const stream = statsStream(source, {
        intervalMs: 250,
        heartbeatMs: 1000,
        brokerRefreshMs: 60_000,
        scheduler,
      }).pipe(map(() => 'x'));
      expectObservable(stream, '^ 2499ms !').toBe('x 249ms x 249ms x 249ms x 249ms x 999ms x');
    });
  });

  it('folds 10,000 synchronous changes into one snapshot', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable, cold }) => {
      const changes = new Subject<void>();
      const source = fakeSource(changes);
      const stream = statsStream(source, {
        intervalMs: 250,
        heartbeatMs: 10_000,
        brokerRefreshMs: 60_000,
        scheduler,
      }).pipe(map(() => 'x'));
      // At 100 ms: a burst of changes, all in the same instant.
      cold('100ms a').subscribe(() => {
        for (let i = 0; i < 10_000; i++) changes.next();
      });
      expectObservable(stream, '^ 999ms !').toBe('x 249ms x');
    });
  });

  it('shares one computation and one broker look among its subscribers, and stops when the last one leaves', () => {
    const scheduler = createTestScheduler();
    const source = fakeSource();
    scheduler.run(({ cold, expectObservable }) => {
      const stream = statsStream(source, { intervalMs: 250, heartbeatMs: 1000, brokerRefreshMs: 5000, scheduler });
      const seen: StatsSnapshot[][] = [[], [], []];
      const subscriptions = seen.map((list) => stream.subscribe((snapshot) => list.push(snapshot)));
      cold('10s a').subscribe(() => subscriptions.forEach((subscription) => subscription.unsubscribe()));
      expectObservable(cold('20s |')).toBe('20s |');
      scheduler.flush();
      // Snapshots at 0 and 250 ms (the first broker look, folded into the trailing one), heartbeats at 1 s ... 9 s,
      // and 5,250 ms (the second broker look, at 5 s with a heartbeat); every subscriber got each of them.
      for (const list of seen) expect(list).toHaveLength(12);
      expect(seen[1]).toEqual(seen[0]);
    });
    expect(source.reads).toBe(12); // one computation per snapshot, not one per subscriber
    expect(source.depthReads).toBe(2); // at 0 and 5 s; none after everybody left
  });

  it('computes rates, backlogs, paused hosts and VMs, and the fairness index over busy hosts', () => {
    const scheduler = createTestScheduler();
    const source = fakeSource();
    const activity = (dispatched: number, active = 0): HostActivity => ({
      dispatched,
      active,
      activeByVm: active > 0 ? { vm1: active } : {},
      waits: null,
      endToEnd: null,
    });
    source.current = {
      ...baseStats,
      queued: { noisy: { vm1: 4, vm2: 4 }, quiet: { vm1: 1 } },
      active: 2,
      failed: 2,
      malformed: 1,
      availability: { down: 'MAINTENANCE', quiet: { vm9: 'DOWN' } },
    };
    source.depths = { shards: 0, hosts: { noisy: 100, quiet: 0, idle: 0, down: 7 }, parked: { 'quiet/vm9': 3 } };
    const snapshots: StatsSnapshot[] = [];
    scheduler.run(({ cold }) => {
      const stream = statsStream(source, {
        intervalMs: 250,
        heartbeatMs: 1000,
        brokerRefreshMs: 60_000,
        rateWindowMs: 1000,
        scheduler,
      });
      const subscription = stream.subscribe((snapshot) => snapshots.push(snapshot));
      // 10 dispatches a second each for noisy and quiet.
      let t = 0;
      cold('1s a 999ms a 999ms a 999ms a 999ms a 999ms a 999ms a 999ms a').subscribe(() => {
        t++;
        source.activityNow = new Map([
          ['noisy', activity(10 * t, 1)],
          ['quiet', activity(10 * t, 1)],
        ]);
        source.current = { ...source.current, dispatched: 20 * t }; // the scheduler's total, forgotten hosts' too
      });
      cold('8500ms a').subscribe(() => subscription.unsubscribe());
    });
    const last = snapshots.at(-1) as StatsSnapshot;
    expect(last.hosts.map((row) => row.host)).toEqual(['noisy', 'down', 'quiet', 'idle']); // by backlog
    const noisy = last.hosts[0];
    expect(noisy).toMatchObject({ queued: 8, inBroker: 100, active: 1, dispatched: 80, state: 'ACTIVE' });
    expect(noisy?.rate).toBeGreaterThan(9);
    expect(noisy?.rate).toBeLessThan(11);
    expect(last.hosts.find((row) => row.host === 'down')).toMatchObject({ state: 'MAINTENANCE', inBroker: 7 });
    expect(last.hosts.find((row) => row.host === 'quiet')).toMatchObject({ pausedVms: 1, queued: 1 });
    expect(last.paused).toEqual([
      { host: 'down', vm: null, state: 'MAINTENANCE', parked: null },
      { host: 'quiet', vm: 'vm9', state: 'DOWN', parked: 3 },
    ]);
    expect(last.totals).toMatchObject({ queued: 9, inBroker: 110, deadLettered: 3, failed: 2, malformed: 1, hosts: 4 });
    expect(last.totals.rate).toBeGreaterThan(18);
    // Busy: noisy and quiet (the host in MAINTENANCE and the idle one are not), both at about 10/s.
    expect(last.fairness.busyHosts).toBe(2);
    expect(last.fairness.jain).toBeGreaterThan(0.99);
  });

  it('keeps the last broker look when the broker is away', () => {
    const scheduler = createTestScheduler();
    const source = fakeSource();
    source.depths = { shards: 0, hosts: { h: 5 }, parked: {} };
    let fail = false;
    const failing: StatsSource = {
      ...source,
      stats: () => source.stats(),
      activity: () => source.activity(),
      queueDepths: () => (fail ? throwError(() => new Error('gone')) : of(source.depths)),
    };
    const snapshots: StatsSnapshot[] = [];
    scheduler.run(({ cold }) => {
      const subscription = statsStream(failing, { brokerRefreshMs: 1000, scheduler }).subscribe((s) =>
        snapshots.push(s),
      );
      cold('1500ms a').subscribe(() => (fail = true));
      cold('3s a').subscribe(() => subscription.unsubscribe());
    });
    expect(snapshots.length).toBeGreaterThan(2);
    expect(snapshots.at(-1)?.totals.inBroker).toBe(5);
    expect(snapshots.at(-1)?.hosts[0]).toMatchObject({ host: 'h', inBroker: 5 });
  });

  it('rejects bad timings at the call', () => {
    const source = fakeSource();
    expect(() => statsStream(source, { intervalMs: 0 })).toThrow(
      'Expected `intervalMs` to be a number of ms from 1 up, got 0',
    );
    expect(() => statsStream(source, { brokerRefreshMs: 10 })).toThrow(
      'Expected `brokerRefreshMs` to be a number of ms from 1000 up, got 10',
    );
  });
});

describe('dashboardView', () => {
  const row = (host: string, queued: number) => ({
    host,
    queued,
    active: 0,
    inBroker: 0,
    dispatched: 0,
    rate: 0,
    waits: null,
    endToEnd: null,
    state: 'ACTIVE' as const,
    pausedVms: 0,
  });
  const snapshot = (hosts: number): StatsSnapshot => ({
    at: 0,
    consuming: true,
    totals: {
      hosts,
      queued: 0,
      inBroker: 0,
      active: 0,
      concurrency: 1,
      dispatched: 0,
      rate: 0,
      done: 0,
      retried: 0,
      deadLettered: 0,
      failed: 0,
      malformed: 0,
      parked: 0,
    },
    fairness: { jain: null, busyHosts: 0 },
    hosts: Array.from({ length: hosts }, (_, i) => row(`compute${i}`, hosts - i)),
    paused: [{ host: 'compute3', vm: 'vm2', state: 'MAINTENANCE', parked: 4 }],
    vmQueued: { compute3: { vm1: 2, vm2: 0 } },
    vmActive: { compute3: { vm1: 1 } },
    brokerAt: null,
  });

  it('sends one page of 1,000 hosts, with the count of matches', () => {
    const view = dashboardView(snapshot(1000), { limit: 20, offset: 40 });
    expect(view.hosts).toHaveLength(20);
    expect(view.hosts[0]?.host).toBe('compute40');
    expect(view.matched).toBe(1000);
    expect(JSON.stringify(view).length).toBeLessThan(8000);
  });

  it('searches by name, and moves a page past the end back to the last page', () => {
    const view = dashboardView(snapshot(1000), { search: 'COMPUTE99', offset: 500, limit: 5 });
    expect(view.matched).toBe(11); // compute99, compute990..compute999
    expect(view.offset).toBe(10);
    expect(view.hosts.map((h) => h.host)).toEqual(['compute999']);
  });

  it("lists the selected host's VMs, with their state and parked events", () => {
    const view = dashboardView(snapshot(10), { host: 'compute3' });
    expect(view.selected).toEqual({
      host: 'compute3',
      vmCount: 2,
      vms: [
        { vm: 'vm2', queued: 0, active: 0, state: 'MAINTENANCE', parked: 4 },
        { vm: 'vm1', queued: 2, active: 1, state: 'ACTIVE', parked: null },
      ],
    });
  });

  it('checks the query string of the stream', () => {
    expect(parseViewQuery({ limit: '10', offset: '20', search: 'c1', host: 'c1' })).toEqual({
      limit: 10,
      offset: 20,
      search: 'c1',
      host: 'c1',
    });
    expect(parseViewQuery({})).toEqual({});
    for (const [query, field] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ offset: '-1' }, 'offset'],
      [{ offset: 'x' }, 'offset'],
      [{ search: ['a', 'b'] }, 'search'],
      [{ host: 'x'.repeat(101) }, 'host'],
    ] as const) {
      expect(() => parseViewQuery(query), JSON.stringify(query)).toThrow(InvalidInputError);
      try {
        parseViewQuery(query);
      } catch (error) {
        expect((error as InvalidInputError).field).toBe(field);
      }
    }
  });
});
