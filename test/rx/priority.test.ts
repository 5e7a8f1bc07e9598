import { EMPTY, Subject, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { manualProjection as manual } from '../support/manualProjection.js';
import { FairStats, byPriority, fairMergeMap, priority, roundRobin, type FairSnapshot } from '../../src/index.js';

interface Ev {
  readonly id: string;
  readonly level: string;
  readonly host: string;
}

const ev = (id: string, level: string, host = 'h1'): Ev => ({ id, level, host });

describe('priority', () => {
  describe('bad input: a clear TypeError at the call, nothing applied', () => {
    it('should refuse an every below 2 or not an integer, at construction and in setEvery', () => {
      const a = new Subject<string>();
      for (const every of [1, 0, 1.5, '2', null]) {
        expect(() => priority({ a }, { every: every as number })).toThrow(
          new TypeError(
            `Expected \`every\` to be an integer from 2 up, or Infinity, got ${typeof every === 'string' ? `"${every}"` : String(every)}`,
          ),
        );
      }
      const node = priority({ a }, { every: 3 });
      expect(() => node.setEvery(1)).toThrow(TypeError);
      expect(node.every).toBe(3);
      expect(() => priority({ a }, null as unknown as object)).toThrow(TypeError);
    });

    it('should check the other options as roundRobin does', () => {
      const a = new Subject<string>();
      expect(() => priority({ a }, { weights: { a: 0 } })).toThrow(
        'Expected `weights` of key "a" to be a positive integer, got 0',
      );
      expect(() => priority({ a }, { caps: { b: 1 } })).toThrow('Cannot set `caps` of key "b": no such child');
      expect(() => priority({ a: 5 as unknown as Subject<string> })).toThrow(TypeError);
      const node = priority({ a });
      expect(() => node.pause('zz')).toThrow('Cannot pause key "zz": no such child');
    });

    it('should refuse bad byPriority arguments', () => {
      const level = (e: Ev): string => e.level;
      expect(() => byPriority('urgent' as unknown as string[], level)).toThrow(
        'Expected `levels` to be an array, got "urgent"',
      );
      expect(() => byPriority([], level)).toThrow('Expected `levels` to be a non-empty array, got []');
      expect(() => byPriority(['a', 'a'], level)).toThrow('Expected `levels` to be distinct, got ["a", "a"]');
      expect(() => byPriority(['a'], 'level' as unknown as typeof level)).toThrow(
        'Expected `level` to be a function, got "level"',
      );
      expect(() => byPriority(['a', 'b'], level, { every: 1 })).toThrow(
        'Expected `every` to be an integer from 2 up, or Infinity, got 1',
      );
      expect(() => byPriority(['a'], level, 3 as unknown as object)).toThrow(TypeError);
    });

    it('should refuse a priority option not made by byPriority', () => {
      expect(() => fairMergeMap(() => EMPTY, { priority: ((e: unknown) => e) as never })).toThrow(
        /^Expected `priority` to be made by byPriority, got /,
      );
    });

    it('should error the output for a priority option on a roundRobin source', () => {
      const errors: unknown[] = [];
      roundRobin({ a: new Subject<string>() })
        .pipe(fairMergeMap((v) => of(v), { priority: byPriority(['x'], () => 'x') }))
        .subscribe({ error: (e) => errors.push(e) });
      expect(String(errors[0])).toBe(
        'TypeError: Expected no `priority` with a roundRobin source: use priority() nodes',
      );
    });

    it('should error the output for an unknown level, or a level function that throws', () => {
      const source = new Subject<Ev>();
      const errors: unknown[] = [];
      source
        .pipe(fairMergeMap((e) => of(e.id), { by: (e) => [e.host], priority: byPriority(['urgent'], (e) => e.level) }))
        .subscribe({ error: (e) => errors.push(e) });
      source.next(ev('a', 'later'));
      expect(String(errors[0])).toMatch(
        /^TypeError: Expected `priority`'s level to be one of \["urgent"\], got "later"/,
      );
      const boom = new Subject<Ev>();
      boom
        .pipe(
          fairMergeMap((e) => of(e.id), {
            priority: byPriority(['urgent'], () => {
              throw new Error('boom');
            }),
          }),
        )
        .subscribe({ error: (e) => errors.push(e) });
      boom.next(ev('a', 'urgent'));
      expect(String(errors[1])).toBe('Error: boom');
    });
  });

  describe('as a node', () => {
    it('should add the lowest level, delete a level handing back its events, and resume in place', () => {
      const urgent = new Subject<string>();
      const routine = new Subject<string>();
      const node = priority({ urgent, routine });
      const m = manual();
      node.pipe(fairMergeMap(m.project, 1)).subscribe();
      urgent.next('w');
      routine.next('r1');
      const low = new Subject<string>();
      node.add('low', low);
      expect([...node.keys()]).toEqual(['urgent', 'routine', 'low']);
      low.next('l1');
      urgent.next('u1');
      node.pause('urgent');
      m.finish('w');
      expect(m.started).toEqual(['w', 'r1']);
      node.resume('urgent');
      m.finish('r1');
      expect(m.started).toEqual(['w', 'r1', 'u1']);
      routine.next('r2');
      expect(node.delete('routine')).toEqual(['r2']);
      m.finish('u1');
      expect(m.started).toEqual(['w', 'r1', 'u1', 'l1']);
    });

    it('should hold a level at its cap and serve the next level meanwhile', () => {
      const urgent = new Subject<string>();
      const routine = new Subject<string>();
      const node = priority({ urgent, routine }, { caps: { urgent: 1 } });
      const m = manual();
      node.pipe(fairMergeMap(m.project, 3)).subscribe();
      for (const v of ['u1', 'u2']) urgent.next(v);
      for (const v of ['r1', 'r2']) routine.next(v);
      expect(m.started).toEqual(['u1', 'r1', 'r2']);
      m.finish('u1');
      expect(m.started).toEqual(['u1', 'r1', 'r2', 'u2']);
    });

    it('should apply setEvery to every subscription, and weights to guarded turns', () => {
      const urgent = new Subject<string>();
      const normal = new Subject<string>();
      const low = new Subject<string>();
      const node = priority({ urgent, normal, low }, { weights: { low: 2 } });
      const m = manual();
      node.pipe(fairMergeMap(m.project, 1)).subscribe();
      urgent.next('w');
      for (const v of ['u1', 'u2', 'u3', 'u4']) urgent.next(v);
      for (const v of ['n1', 'n2']) normal.next(v);
      for (const v of ['l1', 'l2']) low.next(v);
      node.setEvery(2);
      expect(node.every).toBe(2);
      for (const v of ['w', 'u1', 'n1', 'u2', 'l1', 'u3']) m.finish(v);
      expect(m.started).toEqual(['w', 'u1', 'n1', 'u2', 'l1', 'u3', 'l2']);
    });

    it('should bound a leaf level, and weigh a priority node in its roundRobin parent', () => {
      const dropped = new Subject<unknown>();
      const drops: unknown[] = [];
      dropped.subscribe((d) => drops.push(d));
      const state = new Subject<string>();
      const h1 = priority({ state }, { bounds: { state: { overflow: 'latest', dropped } } });
      const h2 = new Subject<string>();
      const cloud = roundRobin({ h1, h2 }, { weights: { h1: 2 } });
      const m = manual();
      cloud.pipe(fairMergeMap(m.project, 1)).subscribe();
      h2.next('w');
      for (const v of ['s1', 's2']) state.next(v);
      for (const v of ['x1', 'x2']) h2.next(v);
      expect(drops).toHaveLength(1);
      expect(cloud.weightOf('h1')).toBe(2);
      m.finish('w');
      expect(m.started).toEqual(['w', 's2']);
    });

    it('should show the levels in FairStats', () => {
      const source = new Subject<Ev>();
      const stats = new FairStats<Ev>({ now: () => 0, depth: 2 });
      const notifier = new Subject<void>();
      const seen: FairSnapshot[] = [];
      stats.snapshots(notifier).subscribe((s) => seen.push(s));
      const m = manual();
      source
        .pipe(
          fairMergeMap((e: Ev) => m.project(e.id), {
            concurrency: 1,
            by: (e) => [e.host],
            priority: byPriority(['urgent', 'routine'], (e) => e.level),
            stats,
          }),
        )
        .subscribe();
      source.next(ev('w', 'routine'));
      source.next(ev('r1', 'routine', 'h2'));
      source.next(ev('u1', 'urgent'));
      notifier.next();
      const keys = seen[0]?.keys ?? [];
      expect(keys.map((k) => [k.key, k.queued, k.active])).toEqual([
        ['urgent', 1, 0],
        ['routine', 1, 1],
      ]);
      // h1 of the routine level stays while w runs; h2 holds r1.
      expect(keys[1]?.children?.map((c) => [c.key, c.queued, c.active])).toEqual([
        ['h1', 0, 1],
        ['h2', 1, 0],
      ]);
    });

    it('should queue each level first in first out without by', () => {
      const source = new Subject<Ev>();
      const m = manual();
      source
        .pipe(
          fairMergeMap((e: Ev) => m.project(e.id), {
            concurrency: 1,
            priority: byPriority(['urgent', 'routine'], (e) => e.level, { every: 2 }),
          }),
        )
        .subscribe();
      for (const [id, level] of [
        ['w', 'routine'],
        ['r1', 'routine'],
        ['r2', 'routine'],
        ['u1', 'urgent'],
        ['u2', 'urgent'],
      ] as const)
        source.next(ev(id, level));
      for (const v of ['w', 'u1', 'r1', 'u2']) m.finish(v);
      expect(m.started).toEqual(['w', 'u1', 'r1', 'u2', 'r2']);
    });
  });
});
