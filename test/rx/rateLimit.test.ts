import { Subject, VirtualTimeScheduler, asyncScheduler, of, type SchedulerLike, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { manualProjection as manual } from '../support/manualProjection.js';
import {
  FairStats,
  RateLimit,
  byPriority,
  fairMergeMap,
  priority,
  rateLimited,
  roundRobin,
  type RateLimitOptions,
} from '../../src/index.js';

/** A virtual clock the test moves by hand, which also remembers every wake-up it was asked for. */
function clock(): { scheduler: VirtualTimeScheduler; to: (t: number) => void; scheduled: Subscription[] } {
  const scheduler = new VirtualTimeScheduler();
  const scheduled: Subscription[] = [];
  const schedule = scheduler.schedule.bind(scheduler);
  scheduler.schedule = ((...args: Parameters<SchedulerLike['schedule']>) => {
    const sub = schedule(...args);
    scheduled.push(sub);
    return sub;
  }) as SchedulerLike['schedule'];
  return {
    scheduler,
    scheduled,
    to: (t) => {
      scheduler.maxFrames = t;
      scheduler.flush();
      scheduler.frame = t;
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RateLimit', () => {
  describe('bad input: a clear TypeError at the call, nothing applied', () => {
    it('should refuse a limit, interval, burst or scheduler out of range', () => {
      const cases: [unknown, string][] = [
        [{ limit: 0, interval: 1 }, 'Expected `limit` to be a positive integer, got 0'],
        [{ limit: 1.5, interval: 1 }, 'Expected `limit` to be a positive integer, got 1.5'],
        [{ limit: '2', interval: 1 }, 'Expected `limit` to be a positive integer, got "2"'],
        [{ limit: 1, interval: 0 }, 'Expected `interval` to be a positive finite number, got 0'],
        [{ limit: 1, interval: Infinity }, 'Expected `interval` to be a positive finite number, got Infinity'],
        [{ limit: 1, interval: NaN }, 'Expected `interval` to be a positive finite number, got NaN'],
        [{ limit: 1, interval: 1, burst: 0 }, 'Expected `burst` to be a positive integer, got 0'],
        [{ limit: 1, interval: 1, scheduler: {} }, 'Expected `scheduler` to be a SchedulerLike, got [object Object]'],
        [{ limit: 1, interval: 1, scheduler: null }, 'Expected `scheduler` to be a SchedulerLike, got null'],
        [null, 'Expected an options object, got null'],
      ];
      for (const [options, message] of cases) {
        expect(() => new RateLimit(options as RateLimitOptions)).toThrow(new TypeError(message));
      }
    });

    it('should leave a rate as it was when set() is given bad input', () => {
      const rate = new RateLimit({ limit: 2, interval: 10, burst: 3 });
      expect(() => rate.set({ limit: 5, interval: 10, burst: 0 })).toThrow(TypeError);
      expect([rate.limit, rate.interval, rate.burst, rate.scheduler]).toEqual([2, 10, 3, asyncScheduler]);
      rate.set({ limit: 5, interval: 20 });
      expect([rate.limit, rate.interval, rate.burst]).toEqual([5, 20, 5]);
    });

    it('should refuse bad rates on rateLimited nodes, in add and in setRate', () => {
      const a = new Subject<string>();
      const rate = new RateLimit({ limit: 1, interval: 1 });
      expect(() => rateLimited({ a }, { rates: { b: rate } })).toThrow('Cannot set `rates` of key "b": no such child');
      expect(() => rateLimited({ a }, { rates: { a: 5 as unknown as RateLimit } })).toThrow(
        new TypeError('Expected `rates` of key "a" to be a RateLimit, got 5'),
      );
      expect(() => rateLimited({ a }, { rate: { limit: 1 } as unknown as RateLimit })).toThrow(
        new TypeError('Expected `rate` to be a RateLimit, got [object Object]'),
      );
      const node = rateLimited({ a });
      expect(() => node.setRate('zz', rate)).toThrow('Cannot setRate key "zz": no such child');
      expect(() => node.setRate('a', 'fast' as unknown as RateLimit)).toThrow(TypeError);
      expect(node.rateOf('a')).toBeUndefined();
      expect(() => node.add('b', new Subject<string>(), { rate: 1 as unknown as RateLimit })).toThrow(TypeError);
      expect(node.has('b')).toBe(false);
      expect(() => priority({ a }, { rates: { a: null as unknown as RateLimit } })).toThrow(TypeError);
    });

    it('should refuse bad rates in fairMergeMap, and rates without by', () => {
      const f = (v: unknown) => of(v);
      const rate = new RateLimit({ limit: 1, interval: 1 });
      expect(() => fairMergeMap(f, { by: () => ['a'], rates: rate as never })).toThrow(
        new TypeError('Expected `rates` to be an array, got [object Object]'),
      );
      expect(() => fairMergeMap(f, { by: () => ['a'], rates: [undefined, 3 as never] })).toThrow(
        new TypeError('Expected `rates[1]` to be a RateLimit, got 3'),
      );
      expect(() => fairMergeMap(f, { rates: [rate] })).toThrow(/^Expected `by` with `weight`, `caps` or `rates`/);
    });
  });

  describe('semantic 9: nothing is scheduled without a rate limit', () => {
    it('should never call a scheduler for trees, by, priorities and rateLimited nodes without rates', () => {
      const spy = vi.spyOn(asyncScheduler, 'schedule');
      const m = manual();
      const a = new Subject<string>();
      const b = new Subject<string>();
      const events = new Subject<string>();
      roundRobin({ n: rateLimited({ a }), p: priority({ b }) })
        .pipe(fairMergeMap(m.project, { concurrency: 1, cost: () => 1 }))
        .subscribe();
      events
        .pipe(fairMergeMap(m.project, { concurrency: 1, by: (v) => [v], priority: byPriority(['x'], () => 'x') }))
        .subscribe();
      for (const v of ['1', '2', '3']) {
        a.next(v);
        b.next(v);
        events.next(v);
      }
      for (const v of ['1', '2', '3', '1', '2', '3']) m.finish(v);
      expect(spy).not.toHaveBeenCalled();
    });
  });

  describe('by: rates per depth', () => {
    it('should keep a branch until its bucket is full again, so its tokens stay spent', () => {
      const { scheduler, to } = clock();
      const events = new Subject<string>();
      const m = manual();
      const perHost = new RateLimit({ limit: 1, interval: 10, scheduler });
      const stats = new FairStats<string>();
      const notifier = new Subject<void>();
      const seen: unknown[][] = [];
      stats.snapshots(notifier).subscribe((snapshot) => seen.push(snapshot.keys.map((k) => k.key)));
      /** The hosts in the tree: a second snapshot right after a first lists no key that only dispatched. */
      const inTree = (): unknown[] => {
        notifier.next();
        notifier.next();
        return seen[seen.length - 1] as unknown[];
      };
      events.pipe(fairMergeMap(m.project, { concurrency: 4, by: (v) => [v[0]], rates: [perHost], stats })).subscribe();
      events.next('a1');
      m.finish('a1');
      to(5);
      expect(inTree()).toEqual(['a']); // empty, kept: its bucket is not full
      events.next('a2'); // its token is spent until 10
      events.next('b1');
      expect(m.started).toEqual(['a1', 'b1']);
      to(10);
      expect(m.started).toEqual(['a1', 'b1', 'a2']);
      m.finish('a2', 'b1');
      to(30); // full again: pruned; a new branch starts with a full bucket
      expect(inTree()).toEqual([]);
      events.next('a3');
      expect(m.started).toEqual(['a1', 'b1', 'a2', 'a3']);
    });

    it('should limit each depth with its rate, below byPriority levels too', () => {
      const { scheduler, to } = clock();
      const events = new Subject<{ id: string; level: string; host: string; vm: string }>();
      const m = manual();
      const perVm = new RateLimit({ limit: 1, interval: 10, scheduler });
      events
        .pipe(
          fairMergeMap((e) => m.project(e.id), {
            concurrency: 10,
            by: (e) => [e.host, e.vm],
            rates: [undefined, perVm],
            priority: byPriority(['urgent', 'routine'], (e) => e.level),
          }),
        )
        .subscribe();
      for (const [id, level, vm] of [
        ['a', 'routine', 'v1'],
        ['b', 'routine', 'v1'],
        ['c', 'routine', 'v2'],
        ['u', 'urgent', 'v1'],
      ])
        events.next({ id: id as string, level: level as string, host: 'h1', vm: vm as string });
      expect(m.started).toEqual(['a', 'c', 'u']); // b waits for v1's token (the urgent v1 is a branch of its own)
      to(10);
      expect(m.started).toEqual(['a', 'c', 'u', 'b']);
    });
  });

  describe('rateLimited nodes', () => {
    it('should set, replace and remove rates at run time, letting a throttled child go at once', () => {
      const { scheduler, to } = clock();
      const vm = new Subject<string>();
      const node = rateLimited({ vm });
      const m = manual();
      node.pipe(fairMergeMap(m.project, 10)).subscribe();
      const slow = new RateLimit({ limit: 1, interval: 100, scheduler });
      node.setRate('vm', slow);
      expect(node.rateOf('vm')).toBe(slow);
      for (const v of ['a', 'b', 'c']) vm.next(v);
      expect(m.started).toEqual(['a']);
      node.setRate('vm', undefined);
      expect(m.started).toEqual(['a', 'b', 'c']);
      node.setRate(slow); // its own rate
      expect(node.rateOf()).toBe(slow);
      for (const v of ['d', 'e']) vm.next(v);
      expect(m.started).toEqual(['a', 'b', 'c', 'd']);
      to(100);
      expect(m.started).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('should let the rate its parent sets count instead of its own', () => {
      const { scheduler, to } = clock();
      const leaf = new Subject<string>();
      const own = new RateLimit({ limit: 1, interval: 100, scheduler });
      const parents = new RateLimit({ limit: 2, interval: 100, scheduler });
      const child = rateLimited({ leaf }, { rate: own });
      const root = rateLimited({ child }, { rates: { child: parents } });
      const m = manual();
      root.pipe(fairMergeMap(m.project, 10)).subscribe();
      for (const v of ['a', 'b', 'c']) leaf.next(v);
      expect(m.started).toEqual(['a', 'b']);
      to(50);
      expect(m.started).toEqual(['a', 'b', 'c']);
    });

    it('should add a child with its rate, and forget it on delete', () => {
      const { scheduler } = clock();
      const node = rateLimited<string>();
      const m = manual();
      node.pipe(fairMergeMap(m.project, 10)).subscribe();
      const vm = new Subject<string>();
      node.add('vm', vm, { rate: new RateLimit({ limit: 1, interval: 100, scheduler }) });
      for (const v of ['a', 'b']) vm.next(v);
      expect(m.started).toEqual(['a']);
      expect(node.delete('vm')).toEqual(['b']);
      expect(() => node.rateOf('vm')).toThrow(/no such child/);
    });

    it('should cancel its pending wake-ups when the output is unsubscribed', () => {
      const { scheduler, scheduled } = clock();
      const vm = new Subject<string>();
      const node = rateLimited({ vm }, { rates: { vm: new RateLimit({ limit: 1, interval: 100, scheduler }) } });
      const sub = node.pipe(fairMergeMap(manual().project, 10)).subscribe();
      for (const v of ['a', 'b']) vm.next(v);
      expect(scheduled.filter((s) => !s.closed)).toHaveLength(1);
      sub.unsubscribe();
      expect(scheduled.filter((s) => !s.closed)).toHaveLength(0);
    });
  });
});
