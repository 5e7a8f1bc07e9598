import { Observable, Subject, of, range } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fairMergeMap, roundRobin } from '../../src/index.js';
import { record } from '../support/record.js';

/** Events named like `m4` cost the digit after their letter (`m4`: 4 slots); the others 1. */
const costOf = (v: string): number => Number(/^[a-z](\d+)/.exec(v)?.[1] ?? 1);

/**
 * Projections completed by hand. Records what started and, through each projection's subscription and teardown,
 * how many slots (by `costOf`) are in use, and the most ever in use at once.
 */
function manual() {
  const running = new Map<string, Subject<string>>();
  const started: string[] = [];
  let slots = 0;
  let maxSlots = 0;
  const project = (v: string): Observable<string> =>
    new Observable<string>((subscriber) => {
      started.push(v);
      slots += costOf(v);
      maxSlots = Math.max(maxSlots, slots);
      const s = new Subject<string>();
      running.set(v, s);
      const sub = s.subscribe(subscriber);
      return () => {
        slots -= costOf(v);
        sub.unsubscribe();
      };
    });
  const finish = (...vs: string[]): void => {
    for (const v of vs) {
      const s = running.get(v);
      if (s === undefined) throw new Error(`${v} is not running`);
      running.delete(v);
      s.next(v);
      s.complete();
    }
  };
  return { project, started, running, finish, slots: () => slots, maxSlots: () => maxSlots };
}

/** Counts the calls of `cost` per event. */
function countingCost() {
  const calls = new Map<string, number>();
  const cost = (v: string): number => {
    calls.set(v, (calls.get(v) ?? 0) + 1);
    return costOf(v);
  };
  return { cost, calls };
}

describe('fairMergeMap cost: validation', () => {
  it('should reject a cost that is not a function at the call', () => {
    const f = (v: string) => of(v);
    expect(() => fairMergeMap(f, { concurrency: 2, cost: 4 as never })).toThrow(TypeError);
    expect(() => fairMergeMap(f, { concurrency: 2, cost: 4 as never })).toThrow(
      /Expected `cost` to be a function, got 4/,
    );
    expect(() => fairMergeMap(f, { concurrency: 2, cost: null as never })).toThrow(
      /Expected `cost` to be a function, got null/,
    );
    expect(() => fairMergeMap(f, { concurrency: 2, cost: undefined })).not.toThrow();
  });

  const answers: [what: string, costOfB: () => number, message: RegExp][] = [
    [
      'throws',
      () => {
        throw new Error('boom');
      },
      /boom/,
    ],
    ['answers 0', () => 0, /Expected `cost` to return a positive integer, got 0 for "b"/],
    ['answers 1.5', () => 1.5, /got 1.5/],
    ['answers Infinity', () => Infinity, /got Infinity/],
    ['answers NaN', () => NaN, /got NaN/],
    ['answers a string', () => '2' as never, /got "2"/],
  ];
  for (const [what, costOfB, message] of answers) {
    it(`should error the output when cost ${what}, and unsubscribe the source and the running projections`, () => {
      const source = new Subject<string>();
      const m = manual();
      const { cost, calls } = countingCost();
      const r = record(
        source.pipe(
          fairMergeMap(m.project, { concurrency: 2, cost: (v: string) => (cost(v), v === 'a' ? 1 : costOfB()) }),
        ),
      );
      source.next('a');
      expect(m.started).toEqual(['a']);
      source.next('b'); // a slot is free: its cost is asked at once
      expect(calls.get('b')).toBe(1);
      expect(r.errors).toHaveLength(1);
      expect(String(r.errors[0])).toMatch(message);
      expect(source.observed).toBe(false);
      expect(m.running.get('a')?.observed).toBe(false);
      expect(m.started).toEqual(['a']);
    });
  }

  it('should error the output when the cost of a queued event fails as it is picked', () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal });
    const m = manual();
    const r = record(
      node.pipe(fairMergeMap(m.project, { concurrency: 1, cost: (v: string) => (v === 'bad' ? -1 : 1) })),
    );
    heal.next('a');
    heal.next('bad'); // queued: no slot
    expect(r.errors).toEqual([]);
    m.finish('a');
    expect(String(r.errors[0])).toMatch(/Expected `cost` to return a positive integer, got -1 for "bad"/);
    expect(heal.observed).toBe(false);
  });
});

describe('fairMergeMap cost: slots', () => {
  it('should let an expensive event take several slots, and hold it until they are free', () => {
    const source = new Subject<string>();
    const m = manual();
    const r = record(source.pipe(fairMergeMap(m.project, { concurrency: 4, cost: costOf })));
    for (const v of ['a', 'b', 'm4', 'c']) source.next(v);
    expect(m.started).toEqual(['a', 'b']); // m4 is held (2 slots free), c queues behind it
    m.finish('a');
    expect(m.started).toEqual(['a', 'b']); // 3 free: still not enough, and c does not overtake
    m.finish('b');
    expect(m.started).toEqual(['a', 'b', 'm4']);
    expect(m.slots()).toBe(4);
    m.finish('m4');
    expect(m.started).toEqual(['a', 'b', 'm4', 'c']);
    source.complete();
    expect(r.completed).toBe(false);
    m.finish('c');
    expect(r.completed).toBe(true);
    expect(r.values).toEqual(['a', 'b', 'm4', 'c']);
    expect(m.maxSlots()).toBe(4);
  });

  it('should fill the slots with cheap events around an expensive one that fits', () => {
    const source = new Subject<string>();
    const m = manual();
    record(source.pipe(fairMergeMap(m.project, { concurrency: 4, cost: costOf })));
    for (const v of ['m2', 'a', 'b', 'c']) source.next(v);
    expect(m.started).toEqual(['m2', 'a', 'b']);
    expect(m.slots()).toBe(4);
    m.finish('m2');
    expect(m.started).toEqual(['m2', 'a', 'b', 'c']);
  });

  it('should clamp a cost above concurrency: the event runs alone once every slot is free', () => {
    const source = new Subject<string>();
    const m = manual();
    const r = record(source.pipe(fairMergeMap(m.project, { concurrency: 3, cost: costOf })));
    for (const v of ['a', 'm9', 'b']) source.next(v);
    expect(m.started).toEqual(['a']);
    m.finish('a');
    expect(m.started).toEqual(['a', 'm9']);
    m.finish('m9');
    expect(m.started).toEqual(['a', 'm9', 'b']);
    source.complete();
    m.finish('b');
    expect(r.completed).toBe(true);
  });

  it('should ask the cost exactly once per event, when it is about to be dispatched', () => {
    const source = new Subject<string>();
    const m = manual();
    const { cost, calls } = countingCost();
    record(source.pipe(fairMergeMap(m.project, { concurrency: 2, cost })));
    source.next('a');
    source.next('m2'); // held on arrival (the offer path): asked now
    source.next('b'); // queued behind it: not asked yet
    expect([...calls]).toEqual([
      ['a', 1],
      ['m2', 1],
    ]);
    m.finish('a'); // the held event starts: asked no second time; b is not picked (no slot free)
    expect(m.started).toEqual(['a', 'm2']);
    expect([...calls]).toEqual([
      ['a', 1],
      ['m2', 1],
    ]);
    m.finish('m2');
    expect(m.started).toEqual(['a', 'm2', 'b']);
    expect([...calls]).toEqual([
      ['a', 1],
      ['m2', 1],
      ['b', 1],
    ]);
  });

  it('should ask a queued event its cost once it is picked, not when it arrives', () => {
    const source = new Subject<string>();
    const m = manual();
    const { cost, calls } = countingCost();
    record(source.pipe(fairMergeMap(m.project, { concurrency: 1, cost })));
    for (const v of ['a', 'b', 'c']) source.next(v);
    expect([...calls.keys()]).toEqual(['a']);
    m.finish('a');
    expect([...calls.keys()]).toEqual(['a', 'b']);
    m.finish('b', 'c');
    expect([...calls]).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
  });

  it('should keep the rotation order of a by tree: the held event goes first, its leaf has had its turn', () => {
    const source = new Subject<string>();
    const m = manual();
    // Host x: x, x4, x; host y: y, y, y. Concurrency 4.
    record(source.pipe(fairMergeMap(m.project, { concurrency: 4, by: (v: string) => [v[0]], cost: costOf })));
    for (const v of ['xa', 'ya', 'x4', 'yb', 'xb', 'yc']) source.next(v);
    // xa ya start (offer path). Then the rotation picks x4 (x's turn): 2 slots free, 4 needed, it is held.
    expect(m.started).toEqual(['xa', 'ya']);
    m.finish('xa', 'ya');
    // x4 runs alone; then y (x had its turn with x4), x, y.
    expect(m.started).toEqual(['xa', 'ya', 'x4']);
    m.finish('x4');
    expect(m.started).toEqual(['xa', 'ya', 'x4', 'yb', 'xb', 'yc']);
  });

  it('should count events, not slots, against per-node caps', () => {
    const source = new Subject<string>();
    const m = manual();
    // Each host may run 2 events at once, whatever they cost; concurrency 10.
    record(
      source.pipe(fairMergeMap(m.project, { concurrency: 10, by: (v: string) => [v[0]], caps: [2], cost: costOf })),
    );
    for (const v of ['x2a', 'x2b', 'x1', 'y3']) source.next(v);
    // x is at its cap of 2 events (4 slots): x1 waits although 6 slots are free; y3 takes 3 of them.
    expect(m.started).toEqual(['x2a', 'x2b', 'y3']);
    expect(m.slots()).toBe(7);
    m.finish('x2a');
    expect(m.started).toEqual(['x2a', 'x2b', 'y3', 'x1']);
  });

  it('should work on a roundRobin node, with a held event surviving pause and delete of its branch', () => {
    const heal = new Subject<string>();
    const migrate = new Subject<string>();
    const node = roundRobin({ heal, migrate });
    const m = manual();
    const r = record(node.pipe(fairMergeMap(m.project, { concurrency: 2, cost: costOf })));
    heal.next('a');
    migrate.next('m2');
    heal.next('b');
    expect(m.started).toEqual(['a']); // m2 held
    node.pause('migrate');
    expect(node.delete('migrate')).toEqual([]); // m2 was picked: it is not queued any more
    m.finish('a');
    expect(m.started).toEqual(['a', 'm2']);
    m.finish('m2');
    expect(m.started).toEqual(['a', 'm2', 'b']);
    heal.complete();
    m.finish('b');
    expect(r.completed).toBe(true);
  });

  it('should not complete while an event is held', () => {
    const source = new Subject<string>();
    const m = manual();
    const r = record(source.pipe(fairMergeMap(m.project, { concurrency: 2, cost: costOf })));
    source.next('a');
    source.next('m2');
    source.complete();
    expect(r.completed).toBe(false);
    m.finish('a');
    expect(r.completed).toBe(false);
    m.finish('m2');
    expect(r.completed).toBe(true);
    expect(r.values).toEqual(['a', 'm2']);
  });

  it('should drop the held event and the queue with the subscription, and unsubscribe everything', () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal });
    const m = manual();
    const r = record(node.pipe(fairMergeMap(m.project, { concurrency: 2, cost: costOf })));
    for (const v of ['a', 'm2', 'b']) heal.next(v);
    r.subscription.unsubscribe();
    expect(heal.observed).toBe(false);
    expect(m.running.get('a')?.observed).toBe(false);
    expect(node.size).toBe(0);
    expect(m.started).toEqual(['a']);
  });

  it('should free the slots of Promise projections and of synchronous ones', async () => {
    const source = new Subject<string>();
    const order: string[] = [];
    const resolvers = new Map<string, () => void>();
    const project = (v: string) => {
      order.push(v);
      if (v.startsWith('s')) return of(v); // synchronous
      return new Promise<string>((resolve) => resolvers.set(v, () => resolve(v)));
    };
    const r = record(source.pipe(fairMergeMap(project, { concurrency: 3, cost: costOf })));
    for (const v of ['s3', 'p2', 'q3', 's1']) source.next(v);
    expect(order).toEqual(['s3', 'p2']); // q3 held: 1 slot free
    resolvers.get('p2')?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['s3', 'p2', 'q3']);
    resolvers.get('q3')?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['s3', 'p2', 'q3', 's1']);
    source.next('p1'); // a Promise of cost 1
    source.next('p3'); // held: 2 slots free
    expect(order).toEqual(['s3', 'p2', 'q3', 's1', 'p1']);
    resolvers.get('p1')?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['s3', 'p2', 'q3', 's1', 'p1', 'p3']);
    resolvers.get('p3')?.();
    source.complete();
    expect(r.completed).toBe(false);
    await Promise.resolve();
    await Promise.resolve();
    expect(r.values).toEqual(['s3', 'p2', 'q3', 's1', 'p1', 'p3']);
    expect(r.completed).toBe(true);
  });

  it('should release the leaf and the slots of a counted Promise projection (with caps)', async () => {
    const source = new Subject<string>();
    const order: string[] = [];
    const resolvers = new Map<string, () => void>();
    const project = (v: string) => {
      order.push(v);
      return new Promise<string>((resolve) => resolvers.set(v, () => resolve(v)));
    };
    // One per host at once; concurrency 3.
    record(source.pipe(fairMergeMap(project, { concurrency: 3, by: (v: string) => [v[0]], caps: [1], cost: costOf })));
    for (const v of ['x1', 'x1b', 'y3']) source.next(v);
    expect(order).toEqual(['x1']); // x1b waits for the cap, y3 for slots (held)
    resolvers.get('x1')?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['x1', 'y3']); // y3 was picked first: x1b waits behind it
    resolvers.get('y3')?.();
    await Promise.resolve();
    await Promise.resolve();
    expect(order).toEqual(['x1', 'y3', 'x1b']);
  });

  it('should not count a held event against a bound: it left the queue when it was picked', () => {
    const source = new Subject<string>();
    const m = manual();
    const dropped: string[] = [];
    const bound = {
      size: 1,
      overflow: 'drop-newest' as const,
      dropped: (d: { event: string }) => void dropped.push(d.event),
    };
    const r = record(source.pipe(fairMergeMap(m.project, { concurrency: 2, cost: costOf, bound })));
    source.next('a');
    source.next('m2'); // held, not queued
    source.next('b'); // queued: the FIFO holds 1
    source.next('c'); // the FIFO is full: refused and reported
    expect(dropped).toEqual(['c']);
    m.finish('a');
    expect(m.started).toEqual(['a', 'm2']);
    m.finish('m2');
    expect(m.started).toEqual(['a', 'm2', 'b']);
    source.complete();
    m.finish('b');
    expect(r.completed).toBe(true);
  });

  it('should pass the dispatch index to project', () => {
    const source = new Subject<string>();
    const seen: [string, number][] = [];
    record(
      source.pipe(fairMergeMap((v: string, i: number) => (seen.push([v, i]), of(v)), { concurrency: 2, cost: costOf })),
    );
    for (const v of ['a', 'm2', 'b']) source.next(v);
    expect(seen).toEqual([
      ['a', 0],
      ['m2', 1],
      ['b', 2],
    ]);
  });

  it('should not grow the stack with a million synchronous completions', () => {
    const r = record(
      range(0, 1_000_000).pipe(fairMergeMap((i) => of(i), { concurrency: 4, cost: (i) => 1 + (i % 5) })),
    );
    expect(r.errors).toEqual([]);
    expect(r.completed).toBe(true);
    expect(r.values).toHaveLength(1_000_000);
  });

  it('should behave like plain fairMergeMap when every event costs 1', () => {
    const run = (withCost: boolean) => {
      const heal = new Subject<string>();
      const scale = new Subject<string>();
      const node = roundRobin({ heal, scale });
      const m = manual();
      record(node.pipe(fairMergeMap(m.project, withCost ? { concurrency: 2, cost: () => 1 } : 2)));
      for (const v of ['a', 'b', 'c']) heal.next(v);
      for (const v of ['x', 'y']) scale.next(v);
      m.finish('a', 'b', 'x', 'c', 'y');
      return m.started;
    };
    expect(run(true)).toEqual(run(false));
  });
});
