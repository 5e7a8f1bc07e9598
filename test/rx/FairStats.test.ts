import { EMPTY, NEVER, Subject, of, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { FairStats, fairMergeMap, roundRobin, type FairSnapshot } from '../../src/index.js';

interface Ev {
  readonly host: string;
  readonly vm: string;
  readonly id: number;
}

/** A clock the test moves by hand, counting how often it was read. */
function manualClock(): { now: () => number; reads: () => number; set: (t: number) => void } {
  let time = 0;
  let reads = 0;
  return {
    now: () => {
      reads++;
      return time;
    },
    reads: () => reads,
    set: (t) => void (time = t),
  };
}

/** Snapshots on demand: `take()` makes the notifier emit once and returns the snapshot. */
function watch(stats: FairStats<never> | FairStats): { take: () => FairSnapshot; stop: () => void; errors: unknown[] } {
  const notifier = new Subject<void>();
  const seen: FairSnapshot[] = [];
  const errors: unknown[] = [];
  const sub = stats.snapshots(notifier).subscribe({ next: (s) => seen.push(s), error: (e) => errors.push(e) });
  return {
    take: () => {
      notifier.next();
      return seen[seen.length - 1] as FairSnapshot;
    },
    stop: () => sub.unsubscribe(),
    errors,
  };
}

/** Projections the test completes by hand. */
function manualProjections<T>(): { project: (e: T) => Observable<T>; finish: () => void; running: () => number } {
  const running: Subject<T>[] = [];
  return {
    project: () => {
      const s = new Subject<T>();
      running.push(s);
      return s;
    },
    finish: () => running.shift()?.complete(),
    running: () => running.length,
  };
}

describe('FairStats', () => {
  describe('bad input', () => {
    it('should refuse bad options with a TypeError at the call', () => {
      expect(() => new FairStats({ now: 5 as unknown as () => number })).toThrow(
        'Expected `now` to be a function, got 5',
      );
      expect(() => new FairStats({ depth: 0 })).toThrow('Expected `depth` to be a positive integer or Infinity, got 0');
      expect(() => new FairStats(null as unknown as object)).toThrow(TypeError);
      expect(() => fairMergeMap(() => EMPTY, { stats: {} as FairStats })).toThrow('Expected `stats` to be a FairStats');
    });

    it('should refuse a notifier that is not an ObservableInput at the call', () => {
      expect(() => new FairStats().snapshots(42 as unknown as Observable<unknown>)).toThrow(TypeError);
    });
  });

  describe('cost while nobody watches', () => {
    it('should never read the clock while no snapshots subscription is live', () => {
      const clock = manualClock();
      const stats = new FairStats<Ev>({ now: clock.now });
      const events = new Subject<Ev>();
      const p = manualProjections<Ev>();
      events.pipe(fairMergeMap(p.project, { concurrency: 1, by: (e) => [e.host], stats })).subscribe();
      for (let i = 0; i < 10; i++) events.next({ host: `h${i % 3}`, vm: 'v', id: i });
      while (p.running() > 0) p.finish();
      expect(clock.reads()).toBe(0);
      expect(stats.attached).toBe(true);

      const w = watch(stats);
      const readsWhileLive = clock.reads();
      events.next({ host: 'h0', vm: 'v', id: 10 });
      expect(clock.reads()).toBeGreaterThan(readsWhileLive);
      w.stop();
      const after = clock.reads();
      events.next({ host: 'h0', vm: 'v', id: 11 });
      p.finish();
      p.finish();
      expect(clock.reads()).toBe(after);
    });
  });

  describe('with cost', () => {
    it('should count projections (not slots) as active, and a held event as dispatched when picked', () => {
      const clock = manualClock();
      const stats = new FairStats<Ev>({ now: clock.now });
      const w = watch(stats);
      const events = new Subject<Ev>();
      const p = manualProjections<Ev>();
      const cost = (e: Ev): number => (e.host === 'big' ? 3 : 1);
      events.pipe(fairMergeMap(p.project, { concurrency: 3, by: (e) => [e.host], cost, stats })).subscribe();
      events.next({ host: 'small', vm: 'v', id: 0 }); // runs: 1 slot of 3
      events.next({ host: 'small', vm: 'v', id: 1 }); // runs: 2 of 3
      clock.set(10);
      events.next({ host: 'big', vm: 'v', id: 2 }); // picked at once, held: it needs all 3 slots
      events.next({ host: 'small', vm: 'v', id: 3 }); // queued behind the held event
      let s = w.take();
      expect(s.totals).toMatchObject({ dispatched: 3, active: 2, queued: 1 });
      expect(s.keys.map((k) => [k.key, k.dispatched, k.queued])).toEqual([
        ['small', 2, 1],
        ['big', 1, 0],
      ]);
      clock.set(25);
      p.finish();
      p.finish(); // the held event starts, alone
      s = w.take();
      expect(s.totals).toMatchObject({ dispatched: 0, active: 1, queued: 1 });
      p.finish(); // the big one: the last small one runs
      s = w.take();
      expect(s.totals).toMatchObject({ dispatched: 1, active: 1, queued: 0 });
      expect(s.keys.find((k) => k.key === 'small')?.wait).toMatchObject({ count: 1, max: 15 });
      w.stop();
    });
  });

  describe('attachment', () => {
    it('should watch one operator subscription at a time, and the next once the first ended', () => {
      const stats = new FairStats<number>();
      const operator = fairMergeMap((n: number) => of(n), { stats });
      const first = new Subject<number>().pipe(operator).subscribe();
      let error: unknown;
      of(1)
        .pipe(operator)
        .subscribe({ error: (e) => (error = e) });
      expect(String(error)).toContain('already watches a running subscription');
      first.unsubscribe();
      expect(stats.attached).toBe(false);
      const results: number[] = [];
      of(1, 2)
        .pipe(operator)
        .subscribe((n) => results.push(n));
      expect(results).toEqual([1, 2]);
      expect(stats.attached).toBe(false); // completed: detached again
    });

    it('should let go of a subscription that errored or was unsubscribed early', () => {
      const stats = new FairStats<number>();
      const w = watch(stats);
      const events = new Subject<number>();
      let error: unknown;
      events
        .pipe(fairMergeMap((n) => (n < 0 ? throwError(() => new Error('bad')) : NEVER), { concurrency: 2, stats }))
        .subscribe({ error: (e) => (error = e) });
      events.next(1);
      expect(stats.attached).toBe(true);
      events.next(-1);
      expect(String(error)).toContain('bad');
      expect(stats.attached).toBe(false);
      expect(w.take().totals).toMatchObject({ dispatched: 2, active: 0, queued: 0 });
      const again = new Subject<number>().pipe(fairMergeMap((n) => of(n), { stats })).subscribe();
      expect(stats.attached).toBe(true);
      again.unsubscribe();
      expect(stats.attached).toBe(false);
    });

    it("should keep a window's counts when the watched subscription ends before the snapshot", () => {
      const stats = new FairStats<Ev>();
      const w = watch(stats);
      of({ host: 'h1', vm: 'v', id: 0 }, { host: 'h2', vm: 'v', id: 1 })
        .pipe(fairMergeMap((e) => of(e), { by: (e) => [e.host], stats }))
        .subscribe();
      const s = w.take();
      expect(s.totals).toMatchObject({ dispatched: 2, queued: 0, active: 0 });
      expect(s.keys.map((k) => [k.key, k.dispatched])).toEqual([
        ['h1', 1],
        ['h2', 1],
      ]);
      expect(s.fairness).toBe(1);
    });
  });

  describe('snapshots', () => {
    it('should agree with the operator on queued and active, per top-level key and in total', () => {
      const clock = manualClock();
      const stats = new FairStats<Ev>({ now: clock.now, depth: Infinity });
      const w = watch(stats);
      const events = new Subject<Ev>();
      const p = manualProjections<Ev>();
      events.pipe(fairMergeMap(p.project, { concurrency: 2, by: (e) => [e.host, e.vm], stats })).subscribe();
      for (let i = 0; i < 6; i++) events.next({ host: i < 4 ? 'h1' : 'h2', vm: `v${i % 2}`, id: i });
      clock.set(10);
      const s = w.take();
      expect(s.totals).toMatchObject({ queued: 4, active: 2, dispatched: 2 });
      expect(s.keys).toEqual([
        expect.objectContaining({
          key: 'h1',
          queued: 2,
          active: 2,
          children: [
            { key: 'v0', queued: 1, active: 1, paused: false },
            { key: 'v1', queued: 1, active: 1, paused: false },
          ],
        }),
        expect.objectContaining({
          key: 'h2',
          queued: 2,
          active: 0,
          children: [
            expect.objectContaining({ key: 'v0', queued: 1 }),
            expect.objectContaining({ key: 'v1', queued: 1 }),
          ],
        }),
      ]);
      p.finish();
      clock.set(15);
      const t = w.take();
      // One slot freed at 10: h1 (its event 2 queued before h2's first) is at the front and gets it, after 10.
      expect(t.totals).toMatchObject({
        queued: 3,
        active: 2,
        dispatched: 1,
        wait: { count: 1, p50: 10, p90: 10, p99: 10, max: 10 },
      });
      expect(t.keys.map((k) => [k.key, k.dispatched, k.active])).toEqual([
        ['h1', 1, 2],
        ['h2', 0, 0],
      ]);
    });

    it('should count what was dispatched before it went live, but time only what arrived while live', () => {
      const clock = manualClock();
      const stats = new FairStats<Ev>({ now: clock.now });
      const events = new Subject<Ev>();
      const p = manualProjections<Ev>();
      events.pipe(fairMergeMap(p.project, { concurrency: 1, by: (e) => [e.host], stats })).subscribe();
      events.next({ host: 'h1', vm: 'v', id: 0 }); // dispatched at once
      events.next({ host: 'h1', vm: 'v', id: 1 }); // queued, untimed
      const w = watch(stats);
      clock.set(2);
      events.next({ host: 'h1', vm: 'v', id: 2 }); // queued behind 1, timed from 2
      clock.set(5);
      p.finish(); // 0 done: 1 dispatched (untimed)
      clock.set(9);
      p.finish(); // 1 done: 2 dispatched after waiting 7
      const s = w.take();
      expect(s.totals.dispatched).toBe(2);
      expect(s.totals.wait).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 });
      // Event 0 was dispatched before anyone watched: it is not counted as active below h1 (the total counts it).
      expect(s.keys[0]).toMatchObject({ key: 'h1', dispatched: 2, active: 1 });
    });

    it('should error the snapshots, not the dispatch, when the clock fails', () => {
      let fail = false;
      const stats = new FairStats<number>({ now: () => (fail ? Number.NaN : 1) });
      const w = watch(stats);
      const events = new Subject<number>();
      const results: number[] = [];
      events.pipe(fairMergeMap((n) => of(n), { concurrency: 1, stats })).subscribe((n) => results.push(n));
      events.next(1);
      fail = true;
      events.next(2);
      events.next(3);
      expect(results).toEqual([1, 2, 3]);
      expect(w.errors).toHaveLength(1);
      expect(String(w.errors[0])).toContain('Expected `now` to return a number, got NaN');
    });

    it('should error a snapshots subscription at once when the clock throws, and stay idle', () => {
      const boom = new Error('no clock');
      const stats = new FairStats<number>({
        now: () => {
          throw boom;
        },
      });
      let error: unknown;
      stats.snapshots(new Subject<void>()).subscribe({ error: (e) => (error = e) });
      expect(error).toBe(boom);
      const results: number[] = [];
      of(1, 2)
        .pipe(fairMergeMap((n) => of(n), { stats }))
        .subscribe((n) => results.push(n));
      expect(results).toEqual([1, 2]); // nobody watches: the clock is never read
    });

    it('should count the events of bounded leaves without timing them', () => {
      const stats = new FairStats<Ev>();
      const w = watch(stats);
      const dropped: unknown[] = [];
      const events = new Subject<Ev>();
      const p = manualProjections<Ev>();
      const bound = { size: 2, overflow: 'drop-oldest' as const, dropped: (d: unknown) => void dropped.push(d) };
      events.pipe(fairMergeMap(p.project, { concurrency: 1, by: (e) => [e.host], bound, stats })).subscribe();
      for (let i = 0; i < 4; i++) events.next({ host: 'h1', vm: 'v', id: i }); // 0 runs, 1 is dropped, 2 and 3 wait
      p.finish();
      const s = w.take();
      expect(dropped).toHaveLength(1);
      expect(s.totals).toMatchObject({ dispatched: 2, queued: 1, active: 1, wait: null });
      expect(s.keys[0]).toMatchObject({ key: 'h1', dispatched: 2, queued: 1, wait: null });
    });

    it('should list every top-level key of a roundRobin node, idle ones included, with their weights', () => {
      const stats = new FairStats<number>();
      const w = watch(stats);
      const a = new Subject<number>();
      const node = roundRobin({ a, b: NEVER as Observable<number> }, { weights: { b: 3 } });
      node.pipe(fairMergeMap((n) => of(n), { stats })).subscribe();
      a.next(1);
      const s = w.take();
      expect(s.keys.map((k) => [k.key, k.weight, k.dispatched, k.busy])).toEqual([
        ['a', 1, 1, true],
        ['b', 3, 0, false],
      ]);
      expect(s.fairness).toBe(1);
    });

    it('should keep counting a capped tree after the stats stop watching', () => {
      const stats = new FairStats<Ev>();
      const w = watch(stats);
      const events = new Subject<Ev>();
      const p = manualProjections<Ev>();
      const out: number[] = [];
      events
        .pipe(fairMergeMap(p.project, { concurrency: 4, by: (e) => [e.host], caps: [1], stats }))
        .subscribe((e) => out.push(e.id));
      for (let i = 0; i < 4; i++) events.next({ host: 'h1', vm: 'v', id: i });
      expect(w.take().keys[0]).toMatchObject({ key: 'h1', queued: 3, active: 1 });
      w.stop();
      expect(p.running()).toBe(1); // the cap still holds
      p.finish();
      expect(p.running()).toBe(1);
    });

    it('should handle many synchronous completions without growing the stack', () => {
      const stats = new FairStats<number>();
      const w = watch(stats);
      const n = 200_000;
      let count = 0;
      const source = new Subject<number>();
      source.pipe(fairMergeMap((x) => of(x), { concurrency: 1, by: (x) => [x % 7], stats })).subscribe(() => count++);
      for (let i = 0; i < n; i++) source.next(i);
      source.complete();
      expect(count).toBe(n);
      const s = w.take();
      expect(s.totals.dispatched).toBe(n);
      expect(s.totals.wait?.count).toBe(n);
    });
  });
});
