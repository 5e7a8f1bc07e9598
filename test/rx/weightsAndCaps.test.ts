import { Subject, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { manualProjection as manual } from '../support/manualProjection.js';
import { fairMergeMap, roundRobin } from '../../src/index.js';

describe('roundRobin weights', () => {
  it('should validate weights at construction and in setWeight, applying nothing on error', () => {
    const a = new Subject<string>();
    expect(() => roundRobin({ a }, { weights: { a: 0 } })).toThrow(
      /Expected `weights` of key "a" to be a positive integer, got 0/,
    );
    expect(() => roundRobin({ a }, { weights: { b: 2 } })).toThrow(/Cannot set `weights` of key "b": no such child/);
    const node = roundRobin({ a }, { weights: { a: 2 } });
    expect(node.weightOf('a')).toBe(2);
    expect(() => node.setWeight('a', 2.5)).toThrow(TypeError);
    expect(() => node.setWeight('zz', 2)).toThrow(/Cannot setWeight key "zz": no such child/);
    expect(node.weightOf('a')).toBe(2);
  });

  it('should apply setWeight to every subscription', () => {
    const a = new Subject<string>();
    const b = new Subject<string>();
    const node = roundRobin({ a, b });
    const m1 = manual();
    const m2 = manual();
    node.pipe(fairMergeMap(m1.project, 1)).subscribe();
    node.pipe(fairMergeMap(m2.project, 1)).subscribe();
    node.setWeight('a', 2);
    for (const v of ['w', 'a1', 'a2', 'a3']) a.next(v);
    b.next('b1');
    for (const m of [m1, m2]) for (const v of ['w', 'a1', 'a2', 'b1']) m.finish(v);
    expect(m1.started).toEqual(['w', 'a1', 'a2', 'b1', 'a3']);
    expect(m2.started).toEqual(m1.started);
  });
});

describe('roundRobin caps', () => {
  it('should validate caps, applying nothing on error', () => {
    const a = new Subject<string>();
    expect(() => roundRobin({ a }, { caps: { a: 0 } })).toThrow(
      /Expected `caps` of key "a" to be a positive integer or Infinity/,
    );
    expect(() => roundRobin({ a }, { cap: -1 })).toThrow(/Expected `cap` to be a positive integer or Infinity/);
    const node = roundRobin({ a }, { caps: { a: 2 } });
    expect(() => node.setCap('a', 0)).toThrow(TypeError);
    expect(() => node.setCap('zz', 1)).toThrow(/Cannot setCap key "zz": no such child/);
    expect(() => node.setCap(1.5)).toThrow(TypeError);
    expect([node.capOf('a'), node.capOf()]).toEqual([2, Infinity]);
  });

  it('should apply the lower of a node’s own cap and the cap its parent sets for it', () => {
    const heal = new Subject<string>();
    const vm = roundRobin({ heal }, { cap: 3 });
    const host = roundRobin({ vm }, { caps: { vm: 1 } });
    const m = manual();
    host.pipe(fairMergeMap(m.project, 10)).subscribe();
    for (const v of ['a', 'b', 'c']) heal.next(v);
    expect(m.started).toEqual(['a']);
    host.setCap('vm', Infinity); // vm's own cap of 3 is left
    expect(m.started).toEqual(['a', 'b', 'c']);
  });

  it('should release a leaf when a Promise projection settles', async () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal }, { caps: { heal: 1 } });
    const started: string[] = [];
    const resolvers: (() => void)[] = [];
    const out: string[] = [];
    node
      .pipe(
        fairMergeMap(
          (v: string) => new Promise<string>((resolve) => (started.push(v), resolvers.push(() => resolve(v)))),
          5,
        ),
      )
      .subscribe((v) => out.push(v));
    heal.next('a');
    heal.next('b');
    expect(started).toEqual(['a']);
    resolvers[0]?.();
    await new Promise((r) => setImmediate(r));
    expect(out).toEqual(['a']);
    expect(started).toEqual(['a', 'b']);
  });

  it('should release at once for projections that complete synchronously, without growing the stack', () => {
    const heal = new Subject<number>();
    const node = roundRobin({ heal }, { caps: { heal: 1 } });
    const first = new Subject<number>();
    let n = 0;
    node.pipe(fairMergeMap((v: number) => (v === 0 ? first : of(v)), 1)).subscribe(() => n++);
    for (let i = 0; i < 200_000; i++) heal.next(i); // 0 holds the slot; the rest queue
    first.complete(); // drains 199,999 synchronous completions in one loop
    expect(n).toBe(199_999);
    expect(node.size).toBe(0);
  });

  it('should dispatch what a projection pushes while being dispatched, within the cap', () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal }, { caps: { heal: 1 } });
    const m = manual();
    node
      .pipe(
        fairMergeMap((v: string) => {
          if (v === 'a') heal.next('a+');
          return m.project(v);
        }, 3),
      )
      .subscribe();
    heal.next('a');
    expect(m.started).toEqual(['a']);
    m.finish('a');
    expect(m.started).toEqual(['a', 'a+']);
  });

  it('should free the cap of a node whose child with running projections was deleted', () => {
    const heal = new Subject<string>();
    const other = new Subject<string>();
    const vm = roundRobin({ heal });
    const host = roundRobin({ vm, other }, { cap: 1 });
    const m = manual();
    host.pipe(fairMergeMap(m.project, 5)).subscribe();
    heal.next('a');
    other.next('x');
    expect(m.started).toEqual(['a']);
    host.delete('vm'); // a still runs, but no longer below host
    expect(m.started).toEqual(['a', 'x']);
    m.finish('a'); // releases in the deleted subtree only
    m.finish('x');
    other.next('y');
    expect(m.started).toEqual(['a', 'x', 'y']);
  });

  it('should count from the first cap set at run time on, and not count what already ran', () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal });
    const m = manual();
    node.pipe(fairMergeMap(m.project, 5)).subscribe();
    heal.next('a'); // not counted: no cap yet
    node.setCap('heal', 1);
    heal.next('b');
    heal.next('c');
    expect(m.started).toEqual(['a', 'b']);
    m.finish('a');
    expect(m.started).toEqual(['a', 'b']); // a was not counted: c still waits for b
    m.finish('b');
    expect(m.started).toEqual(['a', 'b', 'c']);
  });

  it('should cancel running projections and unsubscribe every leaf when unsubscribed', () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal }, { caps: { heal: 1 } });
    const m = manual();
    const sub = node.pipe(fairMergeMap(m.project, 5)).subscribe();
    heal.next('a');
    heal.next('b');
    sub.unsubscribe();
    expect(heal.observed).toBe(false);
    expect(m.running.get('a')?.observed).toBe(false);
    expect(node.size).toBe(0);
  });
});

describe('fairMergeMap weight and caps options', () => {
  it('should validate them at the call', () => {
    const f = (v: string) => of(v);
    expect(() => fairMergeMap(f, { by: () => ['a'], weight: 2 as never })).toThrow(
      /Expected `weight` to be a function/,
    );
    expect(() => fairMergeMap(f, { by: () => ['a'], caps: [1, 0] })).toThrow(
      /Expected `caps\[1\]` to be a positive integer or Infinity, got 0/,
    );
    expect(() => fairMergeMap(f, { by: () => ['a'], caps: 2 as never })).toThrow(/Expected `caps` to be an array/);
    expect(() => fairMergeMap(f, { caps: [1] })).toThrow(/Expected `by` with `weight`, `caps` or `rates`/);
  });

  it('should cap a key that comes back after its branch emptied, burst after burst', () => {
    const events = new Subject<[string, string]>();
    const m = manual();
    events.pipe(fairMergeMap(([, id]) => m.project(id), { concurrency: 2, by: ([vm]) => [vm], caps: [1] })).subscribe();
    for (const burst of [
      ['a', 'b', 'x'],
      ['c', 'd', 'y'],
    ]) {
      const [first, second, other] = burst as [string, string, string];
      const before = m.started.length;
      events.next(['vm1', first]);
      events.next(['vm1', second]);
      events.next(['vm2', other]);
      // vm1 runs one at a time (its cap), vm2 takes the second slot.
      expect(m.started.slice(before)).toEqual([first, other]);
      m.finish(first);
      expect(m.started.slice(before)).toEqual([first, other, second]);
      m.finish(second, other); // the tree is empty again: vm1's branch is kept for the next burst
    }
    expect(m.running.size).toBe(0);
  });

  it('should error the output when weight throws or answers nonsense, and unsubscribe the source', () => {
    for (const weight of [
      () => {
        throw new Error('boom');
      },
      () => 0,
    ]) {
      const source = new Subject<string>();
      let error: unknown;
      source
        .pipe(fairMergeMap(() => new Subject<string>(), { concurrency: 1, by: (v) => [v], weight }))
        .subscribe({ error: (e: unknown) => (error = e) });
      source.next('a'); // dispatched at once: no branch created yet
      source.next('b');
      expect(String(error)).toMatch(/boom|positive integer/);
      expect(source.observed).toBe(false);
    }
  });
});

describe('roundRobin add with weight and cap', () => {
  it('should apply them before the child is subscribed, so a synchronous source is capped and weighted at once', () => {
    const a = new Subject<string>();
    const node = roundRobin({ a });
    const m = manual();
    node.pipe(fairMergeMap(m.project, 3)).subscribe();
    a.next('a1');
    node.add('sync', of('s1', 's2', 's3'), { cap: 1 });
    expect(m.started).toEqual(['a1', 's1']); // a free slot is left: the cap holds back s2
    expect([node.capOf('sync'), node.weightOf('sync')]).toEqual([1, 1]);
    m.finish('s1');
    expect(m.started).toEqual(['a1', 's1', 's2']);
  });

  it('should give an added child its weight', () => {
    const a = new Subject<string>();
    const b = new Subject<string>();
    const node = roundRobin({ a });
    const m = manual();
    node.pipe(fairMergeMap(m.project, 1)).subscribe();
    a.next('w');
    node.add('b', b, { weight: 2 });
    for (const v of ['a1', 'a2']) a.next(v);
    for (const v of ['b1', 'b2', 'b3']) b.next(v);
    for (const v of ['w', 'a1', 'b1', 'b2', 'a2']) m.finish(v);
    expect(m.started).toEqual(['w', 'a1', 'b1', 'b2', 'a2', 'b3']);
    expect(node.weightOf('b')).toBe(2);
  });

  it('should reject bad options and add nothing', () => {
    const node = roundRobin({ a: new Subject<string>() });
    expect(() => node.add('b', new Subject<string>(), { weight: 0 })).toThrow(
      /Expected `weight` to be a positive integer, got 0/,
    );
    expect(() => node.add('b', new Subject<string>(), { cap: 0.5 })).toThrow(
      /Expected `cap` to be a positive integer or Infinity/,
    );
    expect(() => node.add('b', new Subject<string>(), null as never)).toThrow(/Expected an options object, got null/);
    expect(node.has('b')).toBe(false);
  });
});
