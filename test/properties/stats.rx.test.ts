import fc from 'fast-check';
import { Subject, type Observable, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FairStats, fairMergeMap, roundRobin, type FairSnapshot, type RoundRobin } from '../../src/index.js';

/**
 * Properties of live stats (issue 6, feature 5), on random workloads through `fairMergeMap` with `by` (two levels:
 * host, VM), random concurrency and per-host caps, a clock that moves by random steps, and a `snapshots`
 * subscription switched on and off at random:
 *
 * - nothing changes in the dispatch order when stats are on (watched or not) against off;
 * - every snapshot agrees with a simple reference count: queued and active in total and per host (active counts
 *   the projections dispatched while watched, or all with caps), dispatches in the window, and the waits (count, p50, max) of
 *   the events that arrived and were dispatched within one watched period;
 * - Jain's index is in [1/n, 1] over the n busy hosts, and `null` exactly when none was busy.
 */

const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 300);

const HOSTS = ['h0', 'h1', 'h2'] as const;
const VMS = ['v0', 'v1'] as const;

type Cmd =
  | { readonly t: 'arrive'; readonly host: number; readonly vm: number; readonly count: number }
  | { readonly t: 'finish'; readonly which: number }
  | { readonly t: 'watch' | 'unwatch' | 'snapshot' }
  | { readonly t: 'tick'; readonly by: number };

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      t: fc.constant('arrive' as const),
      host: fc.nat({ max: 2 }),
      vm: fc.nat({ max: 1 }),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 7, arbitrary: fc.record({ t: fc.constant('finish' as const), which: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('watch' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('unwatch' as const) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('snapshot' as const) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant('tick' as const), by: fc.integer({ min: 1, max: 5 }) }) },
);

const scenarioArb = fc.record({
  concurrency: fc.integer({ min: 1, max: 4 }),
  hostCap: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
  cmds: fc.array(cmdArb, { maxLength: 60 }),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

interface Ev {
  readonly id: number;
  readonly host: string;
  readonly vm: string;
}

/** What the reference knows of one event. */
interface Record_ {
  readonly ev: Ev;
  readonly arrived: number;
  /** The watched period it arrived in (`null`: not watched). */
  readonly period: number | null;
  state: 'queued' | 'active' | 'done';
  /** Dispatched while watched (or the tree has caps): counted as active below its host. */
  counted: boolean;
}

interface Run {
  readonly dispatched: number[];
  readonly problems: string[];
}

/**
 * Plays a scenario. `mode`: 'off' (no stats), 'idle' (stats given, never watched), 'live' (watched as the
 * commands say, snapshots checked against the reference).
 */
function play(s: Scenario, mode: 'off' | 'idle' | 'live'): Run {
  let time = 0;
  const stats = mode === 'off' ? undefined : new FairStats<Ev>({ now: () => time });
  const events = new Subject<Ev>();
  const running: { ev: Ev; done: Subject<number> }[] = [];
  const records = new Map<number, Record_>();
  const dispatched: number[] = [];
  const problems: string[] = [];
  let period: number | null = null;
  let periods = 0;
  let watcher: Subscription | null = null;
  let notifier: Subject<void> | null = null;
  let snapshot: FairSnapshot | null = null;
  // The reference window: dispatches and waits since the last snapshot (or since watching began).
  let windowDispatched = 0;
  let windowWaits: number[] = [];
  let windowHosts = new Map<string, number>();
  let busyAtStart = new Set<string>();

  const queuedOf = (host?: string) =>
    [...records.values()].filter((r) => r.state === 'queued' && (host === undefined || r.ev.host === host)).length;
  const busyNow = () => new Set(HOSTS.filter((h) => queuedOf(h) > 0));

  const project = (ev: Ev) => {
    dispatched.push(ev.id);
    const r = records.get(ev.id) as Record_;
    r.state = 'active';
    r.counted = period !== null || s.hostCap !== undefined; // a tree with caps counts from the start
    if (period !== null) {
      windowDispatched++;
      windowHosts.set(ev.host, (windowHosts.get(ev.host) ?? 0) + 1);
      if (r.period === period) windowWaits.push(time - r.arrived);
    }
    const done = new Subject<number>();
    running.push({ ev, done });
    return done;
  };
  const options = {
    concurrency: s.concurrency,
    by: (e: Ev) => [e.host, e.vm],
    caps: s.hostCap === undefined ? undefined : [s.hostCap],
    stats,
  };
  const sub = events
    .pipe(fairMergeMap(project, options))
    .subscribe({ error: (err) => problems.push(`output error ${String(err)}`) });

  let nextId = 0;
  for (const cmd of s.cmds) {
    if (cmd.t === 'arrive') {
      for (let i = 0; i < cmd.count; i++) {
        const ev = { id: nextId++, host: HOSTS[cmd.host] as string, vm: VMS[cmd.vm] as string };
        records.set(ev.id, { ev, arrived: time, period, state: 'queued', counted: false });
        events.next(ev);
      }
    } else if (cmd.t === 'finish') {
      if (running.length === 0) continue;
      const [job] = running.splice(cmd.which % running.length, 1) as [{ ev: Ev; done: Subject<number> }];
      (records.get(job.ev.id) as Record_).state = 'done';
      job.done.complete();
    } else if (cmd.t === 'tick') {
      time += cmd.by;
    } else if (mode !== 'live') {
      continue;
    } else if (cmd.t === 'watch' && watcher === null) {
      notifier = new Subject<void>();
      period = periods++;
      windowDispatched = 0;
      windowWaits = [];
      windowHosts = new Map();
      busyAtStart = busyNow();
      watcher = (stats as FairStats<Ev>).snapshots(notifier).subscribe((snap) => (snapshot = snap));
    } else if (cmd.t === 'unwatch' && watcher !== null) {
      watcher.unsubscribe();
      watcher = notifier = period = null;
    } else if (cmd.t === 'snapshot' && notifier !== null) {
      notifier.next();
      check(snapshot as FairSnapshot | null);
      windowDispatched = 0;
      windowWaits = [];
      windowHosts = new Map();
      busyAtStart = busyNow();
    }
  }
  sub.unsubscribe();
  return { dispatched, problems };

  function check(snap: FairSnapshot | null): void {
    const fail = (what: string, actual: unknown, expected: unknown) =>
      problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    if (snap === null) return void problems.push('no snapshot');
    if (snap.time !== time) fail('time', snap.time, time);
    if (snap.totals.queued !== queuedOf()) fail('totals.queued', snap.totals.queued, queuedOf());
    if (snap.totals.active !== running.length) fail('totals.active', snap.totals.active, running.length);
    if (snap.totals.dispatched !== windowDispatched)
      fail('totals.dispatched', snap.totals.dispatched, windowDispatched);
    const waits = [...windowWaits].sort((a, b) => a - b);
    const expectedWait =
      waits.length === 0
        ? null
        : { count: waits.length, p50: waits[Math.ceil(waits.length / 2) - 1], max: waits[waits.length - 1] };
    const actualWait =
      snap.totals.wait === null
        ? null
        : { count: snap.totals.wait.count, p50: snap.totals.wait.p50, max: snap.totals.wait.max };
    if (JSON.stringify(actualWait) !== JSON.stringify(expectedWait)) fail('totals.wait', actualWait, expectedWait);
    const busy = busyNow();
    let n = 0;
    for (const host of HOSTS) {
      const entry = snap.keys.find((k) => k.key === host);
      const queued = queuedOf(host);
      const active = [...records.values()].filter(
        (r) => r.state === 'active' && r.counted && r.ev.host === host,
      ).length;
      const got = windowHosts.get(host) ?? 0;
      if (got > 0 || busy.has(host) || busyAtStart.has(host)) n++;
      if (entry === undefined) {
        if (queued > 0 || active > 0 || got > 0) fail(`host ${host} missing`, null, { queued, active, got });
        continue;
      }
      if (entry.queued !== queued || entry.active !== active || entry.dispatched !== got) {
        fail(`host ${host}`, [entry.queued, entry.active, entry.dispatched], [queued, active, got]);
      }
    }
    if (snap.keys.reduce((sum, k) => sum + k.dispatched, 0) !== windowDispatched)
      fail('sum of keys dispatched', snap.keys, windowDispatched);
    if (n === 0) {
      if (snap.fairness !== null) fail('fairness with no busy host', snap.fairness, null);
    } else if (snap.fairness === null || snap.fairness < 1 / n - 1e-12 || snap.fairness > 1 + 1e-12) {
      fail(`fairness over ${n} busy hosts`, snap.fairness, `[1/${n}, 1]`);
    }
  }
}

/** Over a `roundRobin` tree (3 hosts × 2 VMs of Subject leaves), with pause, resume and delete of hosts. */
const nodeScenarioArb = fc.record({
  concurrency: fc.integer({ min: 1, max: 4 }),
  cmds: fc.array(
    fc.oneof(
      { weight: 10, arbitrary: cmdArb },
      {
        weight: 1,
        arbitrary: fc.record({
          t: fc.constantFrom('pause' as const, 'resume' as const, 'delete' as const),
          host: fc.nat({ max: 2 }),
        }),
      },
    ),
    { maxLength: 60 },
  ),
});
type NodeScenario = typeof nodeScenarioArb extends fc.Arbitrary<infer S> ? S : never;

/** Plays a node scenario; returns the dispatch order and, when watched, each snapshot's totals and what it expected. */
function playNode(s: NodeScenario, mode: 'off' | 'live'): { dispatched: number[]; problems: string[] } {
  let time = 0;
  const stats = mode === 'off' ? undefined : new FairStats<Ev>({ now: () => time });
  const leaves = HOSTS.map(() => VMS.map(() => new Subject<Ev>()));
  const hosts = new Map<string, RoundRobin<Ev>>();
  HOSTS.forEach((host, h) =>
    hosts.set(host, roundRobin(Object.fromEntries(VMS.map((vm, v) => [vm, leaves[h]?.[v] as Observable<Ev>])))),
  );
  const cloud = roundRobin<Ev>(Object.fromEntries(hosts));
  const running: Subject<number>[] = [];
  const dispatched: number[] = [];
  const problems: string[] = [];
  let watcher: Subscription | null = null;
  let notifier: Subject<void> | null = null;
  let snapshot: FairSnapshot | null = null;
  let windowDispatched = 0;
  let handedBack = 0;
  let arrived = 0;
  const project = (ev: Ev) => {
    dispatched.push(ev.id);
    if (watcher !== null) windowDispatched++;
    const done = new Subject<number>();
    running.push(done);
    return done;
  };
  const sub = cloud
    .pipe(fairMergeMap(project, { concurrency: s.concurrency, stats }))
    .subscribe({ error: (err) => problems.push(`output error ${String(err)}`) });
  let nextId = 0;
  for (const cmd of s.cmds) {
    const host = 'host' in cmd ? (HOSTS[cmd.host] as string) : '';
    if (cmd.t === 'arrive') {
      for (let i = 0; i < cmd.count; i++) {
        if (!cloud.has(host)) continue;
        arrived++;
        leaves[cmd.host]?.[cmd.vm]?.next({ id: nextId++, host, vm: VMS[cmd.vm] as string });
      }
    } else if (cmd.t === 'finish') {
      if (running.length > 0) (running.splice(cmd.which % running.length, 1)[0] as Subject<number>).complete();
    } else if (cmd.t === 'tick') time += cmd.by;
    else if (cmd.t === 'pause' || cmd.t === 'resume') {
      if (cloud.has(host)) cloud[cmd.t](host);
    } else if (cmd.t === 'delete') {
      if (cloud.has(host)) handedBack += cloud.delete(host).length;
    } else if (mode !== 'live') continue;
    else if (cmd.t === 'watch' && watcher === null) {
      notifier = new Subject<void>();
      windowDispatched = 0;
      watcher = (stats as FairStats<Ev>).snapshots(notifier).subscribe((snap) => (snapshot = snap));
    } else if (cmd.t === 'unwatch' && watcher !== null) {
      watcher.unsubscribe();
      watcher = notifier = null;
    } else if (cmd.t === 'snapshot' && notifier !== null) {
      notifier.next();
      const snap = snapshot as FairSnapshot | null;
      const queued = arrived - dispatched.length - handedBack;
      const expected = { queued, active: running.length, dispatched: windowDispatched };
      const actual =
        snap === null
          ? null
          : { queued: snap.totals.queued, active: snap.totals.active, dispatched: snap.totals.dispatched };
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        problems.push(`totals: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
      const keyQueued = snap?.keys.reduce((sum, k) => sum + k.queued, 0);
      if (keyQueued !== queued) problems.push(`keys' queued sum ${String(keyQueued)}, expected ${queued}`);
      windowDispatched = 0;
    }
  }
  sub.unsubscribe();
  return { dispatched, problems };
}

describe('live stats (properties)', () => {
  it('should not change the dispatch order over a roundRobin tree with pause, resume and delete, and agree on totals', () => {
    fc.assert(
      fc.property(nodeScenarioArb, (s) => {
        const off = playNode(s, 'off');
        const live = playNode(s, 'live');
        expect(live.dispatched).toEqual(off.dispatched);
        expect(live.problems).toEqual([]);
        expect(off.problems).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('should not change the dispatch order, watched or not', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const off = play(s, 'off');
        const idle = play(s, 'idle');
        const live = play(s, 'live');
        expect(idle.dispatched).toEqual(off.dispatched);
        expect(live.dispatched).toEqual(off.dispatched);
        expect(off.problems).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("should agree with a reference count in every snapshot, with Jain's index in [1/n, 1]", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        expect(play(s, 'live').problems).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
