import {
  EMPTY,
  NEVER,
  Observable,
  Subject,
  catchError,
  lastValueFrom,
  map,
  of,
  range,
  take,
  throwError,
  toArray,
  type ObservableInput,
  type Subscriber,
} from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoundRobinQueue, fairMergeMap, roundRobin } from '../../src/index.js';
import { Gates } from '../support/Gates.js';
import { record } from '../support/record.js';
import { runMarbles } from '../support/marbles.js';
import { SEED_ORDER } from '../support/seedOrder.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** A projection that never completes until `release()`: takes the only slot of `concurrency: 1`. */
function blocker<R>(): { observable: Observable<R>; release: () => void } {
  let subscriber: Subscriber<R> | undefined;
  return {
    observable: new Observable<R>((s) => void (subscriber = s)),
    release: () => subscriber?.complete(),
  };
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Key path of events written 'key:name' (one level) or 'host/vm:name' (two levels). */
const byPrefix = (e: string): string[] => (e.split(':')[0] as string).split('/');

describe('fairMergeMap', () => {
  describe('semantic 1: per-leaf FIFO', () => {
    it('should be FIFO on a plain stream without `by`', () => {
      const source = new Subject<number>();
      const gates = new Gates<number>();
      const r = record(source.pipe(fairMergeMap(gates.project, 1)));
      for (let i = 0; i < 6; i++) source.next(i);
      expect(gates.started).toEqual([0]);
      for (let i = 0; i < 6; i++) gates.finish(i);
      expect(gates.started).toEqual([0, 1, 2, 3, 4, 5]);
      expect(r.values).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('should keep the events of one key in arrival order with `by`', () => {
      const source = new Subject<string>();
      const b = blocker<string>();
      const r = record(
        source.pipe(fairMergeMap((x, i) => (i === 0 ? b.observable : of(x)), { concurrency: 1, by: byPrefix })),
      );
      source.next('k:start');
      for (let i = 0; i < 5; i++) source.next(`k:${i}`);
      b.release();
      expect(r.values).toEqual(['k:0', 'k:1', 'k:2', 'k:3', 'k:4']);
    });
  });

  describe('semantic 2: rotation', () => {
    it('should serve the keys of a flat stream in round-robin order with `by`', () => {
      const source = new Subject<string>();
      const gates = new Gates<string>();
      record(source.pipe(fairMergeMap(gates.project, { concurrency: 1, by: byPrefix })));
      source.next('a:0'); // dispatched at once
      source.next('a:1');
      source.next('a:2');
      source.next('a:3');
      source.next('b:1');
      source.next('c:1');
      source.next('b:2');
      for (const x of ['a:0', 'a:1', 'b:1', 'c:1', 'a:2']) gates.finish(x);
      expect(gates.started).toEqual(['a:0', 'a:1', 'b:1', 'c:1', 'a:2', 'b:2']);
      gates.finish('b:2');
      expect(gates.started).toEqual(['a:0', 'a:1', 'b:1', 'c:1', 'a:2', 'b:2', 'a:3']);
    });

    it("should give a quiet key its turn after one event of each busy key, where mergeMap's FIFO makes it wait", () => {
      const source = new Subject<string>();
      const b = blocker<string>();
      const r = record(
        source.pipe(fairMergeMap((x, i) => (i === 0 ? b.observable : of(x)), { concurrency: 1, by: byPrefix })),
      );
      source.next('noisy:start');
      for (let i = 0; i < 100; i++) source.next(`noisy:${i}`);
      source.next('quiet:0');
      b.release();
      expect(r.values.indexOf('quiet:0')).toBe(1);
      expect(r.values.slice(0, 3)).toEqual(['noisy:0', 'quiet:0', 'noisy:1']);
      expect(r.values.length).toBe(101);
    });

    it('should put a key that gets an event again after draining at the back of the rotation', () => {
      const source = new Subject<string>();
      const gates = new Gates<string>();
      record(source.pipe(fairMergeMap(gates.project, { concurrency: 1, by: byPrefix })));
      source.next('a:0'); // dispatched
      source.next('b:0');
      source.next('c:0');
      gates.finish('a:0'); // b:0
      source.next('a:1'); // a rejoins behind c
      gates.finish('b:0');
      gates.finish('c:0');
      expect(gates.started).toEqual(['a:0', 'b:0', 'c:0', 'a:1']);
    });
  });

  describe('semantic 3: nested', () => {
    it("should give the seed's host order with a two-level `by`", () => {
      const source = new Subject<{ host: string; vm: string; id: string }>();
      const b = blocker<string>();
      const r = record(
        source.pipe(
          fairMergeMap((e, i) => (i === 0 ? b.observable : of(`${e.host}-${e.vm}-${e.id}`)), {
            concurrency: 1,
            by: (e) => [e.host, e.vm],
          }),
        ),
      );
      source.next({ host: 'compute1', vm: 'vm1', id: 'start' });
      for (let h = 1; h <= 3; h++)
        for (let v = 1; v <= 2; v++)
          for (let i = 0; i < 2; i++) source.next({ host: `compute${h}`, vm: `vm${v}`, id: String(i) });
      b.release();
      expect(r.values).toEqual(SEED_ORDER);
    });

    it('should rotate inside a node before coming back to it (two levels)', () => {
      const source = new Subject<string>();
      const gates = new Gates<string>();
      record(source.pipe(fairMergeMap(gates.project, { concurrency: 1, by: byPrefix })));
      source.next('h1/v1:0'); // dispatched
      source.next('h1/v1:1');
      source.next('h1/v1:2');
      source.next('h1/v2:0');
      source.next('h2/v1:0');
      source.next('h2/v1:1');
      for (const x of ['h1/v1:0', 'h1/v1:1', 'h2/v1:0', 'h1/v2:0', 'h2/v1:1']) gates.finish(x);
      expect(gates.started).toEqual(['h1/v1:0', 'h1/v1:1', 'h2/v1:0', 'h1/v2:0', 'h2/v1:1', 'h1/v1:2']);
    });
  });

  describe('semantic 4: cost', () => {
    it('should drain a large FIFO backlog without Array.prototype.shift', () => {
      const source = new Subject<number>();
      const b = blocker<number>();
      const out: number[] = [];
      source.pipe(fairMergeMap((x, i) => (i === 0 ? b.observable : of(x)), 1)).subscribe((x) => out.push(x));
      source.next(-1);
      for (let i = 0; i < 100_000; i++) source.next(i);
      const shift = vi.spyOn(Array.prototype, 'shift');
      b.release();
      const called = shift.mock.calls.length;
      shift.mockRestore();
      expect(called).toBe(0);
      expect(out.length).toBe(100_000);
      expect(out.every((x, i) => x === i)).toBe(true);
    });

    it('should drain a large keyed backlog without Array.prototype.shift', () => {
      const source = new Subject<string>();
      const b = blocker<string>();
      const out: string[] = [];
      source
        .pipe(fairMergeMap((x, i) => (i === 0 ? b.observable : of(x)), { concurrency: 1, by: byPrefix }))
        .subscribe((x) => out.push(x));
      source.next('start:');
      for (let i = 0; i < 30_000; i++) {
        source.next(`a:${i}`);
        source.next(`b:${i}`);
        source.next(`c:${i}`);
      }
      const shift = vi.spyOn(Array.prototype, 'shift');
      b.release();
      const called = shift.mock.calls.length;
      shift.mockRestore();
      expect(called).toBe(0);
      expect(out.length).toBe(90_000);
      expect(out.slice(0, 6)).toEqual(['a:0', 'b:0', 'c:0', 'a:1', 'b:1', 'c:1']);
    });
  });

  describe('semantic 5: back-pressure', () => {
    it('should never have more than `concurrency` projections active, starting one per freed slot', () => {
      const source = new Subject<number>();
      const gates = new Gates<number>();
      const r = record(source.pipe(fairMergeMap(gates.project, 3)));
      for (let i = 0; i < 10; i++) source.next(i);
      expect(gates.started).toEqual([0, 1, 2]);
      expect(gates.active).toBe(3);
      gates.finish(1);
      expect(gates.started).toEqual([0, 1, 2, 3]);
      gates.finish(3);
      gates.finish(0);
      expect(gates.started).toEqual([0, 1, 2, 3, 4, 5]);
      for (const x of [2, 4, 5, 6, 7, 8, 9]) gates.finish(x);
      expect(gates.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(gates.max).toBe(3);
      expect(r.values).toEqual([1, 3, 0, 2, 4, 5, 6, 7, 8, 9]);
    });

    it('should accept the concurrency as an option, and default to Infinity', () => {
      const source = new Subject<number>();
      const g1 = new Gates<number>();
      const g2 = new Gates<number>();
      const g3 = new Gates<number>();
      record(source.pipe(fairMergeMap(g1.project, { concurrency: 2 })));
      record(source.pipe(fairMergeMap(g2.project)));
      record(source.pipe(fairMergeMap(g3.project, Infinity)));
      for (let i = 0; i < 5; i++) source.next(i);
      expect(g1.started).toEqual([0, 1]);
      expect(g2.started).toEqual([0, 1, 2, 3, 4]);
      expect(g3.started).toEqual([0, 1, 2, 3, 4]);
    });

    it('should keep the backlog in the node leaves and pick only when a slot frees', () => {
      const a = new Subject<string>();
      const b = new Subject<string>();
      const node = roundRobin({ a, b });
      const gates = new Gates<string>();
      record(node.pipe(fairMergeMap(gates.project, 1)));
      a.next('a1');
      a.next('a2');
      b.next('b1');
      expect(node.size).toBe(2);
      expect(gates.started).toEqual(['a1']);
      gates.finish('a1');
      expect(node.size).toBe(1);
      expect(gates.started).toEqual(['a1', 'a2']);
    });
  });

  describe('semantic 6: availability', () => {
    it('should skip a paused child of a node source and dispatch its events after resume', () => {
      const up = new Subject<string>();
      const down = new Subject<string>();
      const node = roundRobin({ up, down });
      node.pause('down');
      const r = record(node.pipe(fairMergeMap((x) => of(x.toUpperCase()), 2)));
      down.next('d1');
      up.next('u1');
      down.next('d2');
      up.next('u2');
      up.complete();
      down.complete();
      expect(r.values).toEqual(['U1', 'U2']);
      expect(r.completed).toBe(false);
      node.resume('down');
      expect(r.values).toEqual(['U1', 'U2', 'D1', 'D2']);
      expect(r.completed).toBe(true);
    });

    it('should put a resumed child at the back of the rotation', () => {
      const a = new Subject<string>();
      const b = new Subject<string>();
      const c = new Subject<string>();
      const node = roundRobin({ a, b, c });
      const gates = new Gates<string>();
      record(node.pipe(fairMergeMap(gates.project, 1)));
      c.next('c0'); // dispatched
      a.next('a1');
      b.next('b1');
      b.next('b2');
      c.next('c1');
      node.pause('a'); // rotation: b, c
      node.resume('a'); // rotation: b, c, a
      for (const x of ['c0', 'b1', 'c1', 'a1']) gates.finish(x);
      expect(gates.started).toEqual(['c0', 'b1', 'c1', 'a1', 'b2']);
    });
  });

  describe('semantic 7: nothing lost', () => {
    it('should complete only after the source completed, the queue is empty and every projection completed', () => {
      const source = new Subject<number>();
      const gates = new Gates<number>();
      const r = record(source.pipe(fairMergeMap(gates.project, 1)));
      source.next(1);
      source.next(2);
      expect(r.completed).toBe(false);
      source.complete();
      expect(r.completed).toBe(false); // 1 active, 2 queued
      gates.finish(1);
      expect(r.completed).toBe(false); // 2 active
      gates.finish(2);
      expect(r.completed).toBe(true);
      expect(r.values).toEqual([1, 2]);
    });

    it('should complete on an empty source and never on a never-ending one', () => {
      const r1 = record(EMPTY.pipe(fairMergeMap((x) => of(x), 1)));
      expect(r1.completed).toBe(true);
      expect(r1.values).toEqual([]);
      const r2 = record((NEVER as Observable<number>).pipe(fairMergeMap((x) => of(x), 1)));
      expect(r2.completed).toBe(false);
      const r3 = record(of(1).pipe(fairMergeMap(() => NEVER, 1)));
      expect(r3.completed).toBe(false);
      r2.subscription.unsubscribe();
      r3.subscription.unsubscribe();
    });

    it('should complete with `by` once every key drained', () => {
      const r = record(
        of('a:1', 'b:1', 'a:2', 'c:1', 'a:3').pipe(fairMergeMap((x) => of(x), { concurrency: 1, by: byPrefix })),
      );
      expect(r.values).toEqual(['a:1', 'b:1', 'a:2', 'c:1', 'a:3']);
      expect(r.completed).toBe(true);
    });

    it('should dispatch every event exactly once', () => {
      const source = new Subject<string>();
      const gates = new Gates<string>();
      const r = record(source.pipe(fairMergeMap(gates.project, { concurrency: 4, by: byPrefix })));
      const sent: string[] = [];
      for (let i = 0; i < 300; i++) {
        const e = `k${(i * 7) % 5}/v${i % 3}:${i}`;
        sent.push(e);
        source.next(e);
        // finish the oldest active projection every other event
        if (i % 2 === 1) gates.finish(gates.started[gates.torn.length] as string);
      }
      source.complete();
      while (gates.torn.length < gates.started.length) gates.finish(gates.started[gates.torn.length] as string);
      expect(r.completed).toBe(true);
      expect(gates.max).toBe(4);
      expect([...gates.started].sort()).toEqual([...sent].sort());
      expect(new Set(gates.started).size).toBe(300);
      // each key stays FIFO
      const perKey = new Map<string, number[]>();
      for (const e of gates.started) {
        const [key, n] = e.split(':') as [string, string];
        perKey.set(key, [...(perKey.get(key) ?? []), Number(n)]);
      }
      for (const ns of perKey.values()) expect(ns).toEqual([...ns].sort((x, y) => x - y));
    });

    it('should leave nothing in memory after a keyed backlog drained (pruning)', () => {
      const push = vi.spyOn(RoundRobinQueue.prototype, 'push');
      const source = new Subject<string>();
      const gates = new Gates<string>();
      record(source.pipe(fairMergeMap(gates.project, { concurrency: 1, by: byPrefix })));
      source.next('h1/v1:0');
      source.next('h1/v2:0');
      source.next('h2/v1:0');
      const tree = push.mock.contexts[0] as RoundRobinQueue<string, unknown>;
      expect(tree).toBeInstanceOf(RoundRobinQueue);
      expect([...tree.keys()]).toEqual(['h1', 'h2']);
      expect([...(tree.get('h1') as RoundRobinQueue<string, unknown>).keys()]).toEqual(['v2']); // h1/v1 pruned at once
      gates.finish('h1/v1:0'); // h1/v2:0 dispatched: h1 pruned
      expect([...tree.keys()]).toEqual(['h2']);
      gates.finish('h1/v2:0'); // h2/v1:0 dispatched: h2 pruned
      expect([...tree.keys()]).toEqual([]);
      expect(tree.size).toBe(0);
      gates.finish('h2/v1:0');
      source.next('h1/v1:1'); // a later event builds its branch again
      expect([...tree.keys()]).toEqual([]);
      expect(gates.started).toEqual(['h1/v1:0', 'h1/v2:0', 'h2/v1:0', 'h1/v1:1']);
    });

    it('should error the output when a projection errors, tearing down the others and the source', () => {
      const source = new Subject<number>();
      const gates = new Gates<number>();
      const r = record(source.pipe(fairMergeMap(gates.project, 2)));
      source.next(1);
      source.next(2);
      source.next(3);
      const err = new Error('action failed');
      gates.fail(1, err);
      expect(r.errors).toEqual([err]);
      expect(gates.torn).toEqual(expect.arrayContaining([1, 2]));
      expect(gates.active).toBe(0);
      expect(source.observed).toBe(false);
      expect(gates.started).toEqual([1, 2]);
      expect(r.completed).toBe(false);
    });

    it('should error the output when a projection errors on a node source, unsubscribing every leaf', () => {
      const a = new Subject<number>();
      const b = new Subject<number>();
      const node = roundRobin({ a, b });
      const r = record(node.pipe(fairMergeMap((x) => (x === 2 ? throwError(() => new Error(`bad ${x}`)) : of(x)), 1)));
      a.next(1);
      b.next(2);
      a.next(3);
      expect(r.values).toEqual([1]);
      expect((r.errors[0] as Error).message).toBe('bad 2');
      expect(a.observed).toBe(false);
      expect(b.observed).toBe(false);
      expect(node.size).toBe(0);
    });

    it('should error the output when project throws, with the thrown error', () => {
      const source = new Subject<number>();
      const err = new Error('project threw');
      const r = record(
        source.pipe(
          fairMergeMap((x) => {
            if (x === 2) throw err;
            return of(x);
          }, 1),
        ),
      );
      source.next(1);
      source.next(2);
      source.next(3);
      expect(r.values).toEqual([1]);
      expect(r.errors).toEqual([err]);
      expect(source.observed).toBe(false);
    });

    it('should error the output when project returns something that is not an ObservableInput', () => {
      const r = record(of(1).pipe(fairMergeMap(() => 42 as unknown as ObservableInput<number>, 1)));
      expect(r.errors.length).toBe(1);
      expect(r.errors[0]).toBeInstanceOf(TypeError);
    });

    it('should error the output when the source errors, cancelling active projections', () => {
      const source = new Subject<number>();
      const gates = new Gates<number>();
      const r = record(source.pipe(fairMergeMap(gates.project, 1)));
      source.next(1);
      source.next(2);
      const err = new Error('source failed');
      source.error(err);
      expect(r.errors).toEqual([err]);
      expect(gates.torn).toEqual([1]);
      expect(gates.started).toEqual([1]);
    });

    it('should keep the others running with catchError inside project (the README recipe)', () => {
      const project = (x: number): Observable<number | string> => {
        const action: Observable<number> = x === 2 ? throwError(() => new Error('boom')) : of(x * 10);
        return action.pipe(catchError((err: Error) => of(`failed ${x}: ${err.message}`)));
      };
      const r = record(of(1, 2, 3).pipe(fairMergeMap(project, 1)));
      expect(r.values).toEqual([10, 'failed 2: boom', 30]);
      expect(r.errors).toEqual([]);
      expect(r.completed).toBe(true);
    });
  });

  describe('semantic 8: unsubscribe', () => {
    it('should cancel active projections and unsubscribe the source', () => {
      const source = new Subject<number>();
      const gates = new Gates<number>();
      const r = record(source.pipe(fairMergeMap(gates.project, { concurrency: 2, by: (x) => [x % 2] })));
      source.next(1);
      source.next(2);
      source.next(3);
      expect(source.observed).toBe(true);
      r.subscription.unsubscribe();
      expect(source.observed).toBe(false);
      expect(gates.torn).toEqual([1, 2]);
      expect(gates.active).toBe(0);
      source.next(4);
      expect(gates.started).toEqual([1, 2]);
    });

    it('should stop at once when the consumer unsubscribes during a synchronous drain', () => {
      let projected = 0;
      const r = record(
        range(0, 1_000_000).pipe(
          fairMergeMap((x) => {
            projected++;
            return of(x);
          }, 1),
          take(3),
        ),
      );
      expect(r.values).toEqual([0, 1, 2]);
      expect(r.completed).toBe(true);
      expect(projected).toBe(3);
    });

    it('should unsubscribe a synchronous source as soon as the consumer unsubscribes', () => {
      let emitted = 0;
      const source = new Observable<number>((s) => {
        for (let i = 0; i < 100_000 && !s.closed; i++) {
          emitted++;
          s.next(i);
        }
        s.complete();
      });
      const r = record(
        source.pipe(
          fairMergeMap((x) => of(x), 1),
          take(3),
        ),
      );
      expect(r.values).toEqual([0, 1, 2]);
      // As with mergeMap: the source sees its subscriber closed after the third event (an endless source would hang).
      expect(emitted).toBe(3);
    });

    it('should unsubscribe a synchronous source as soon as a projection errors', () => {
      let emitted = 0;
      const source = new Observable<number>((s) => {
        for (let i = 0; i < 100_000 && !s.closed; i++) {
          emitted++;
          s.next(i);
        }
        s.complete();
      });
      const err = new Error('failed at 2');
      const r = record(
        source.pipe(
          fairMergeMap((x) => {
            if (x === 2) throw err;
            return of(x);
          }, 1),
        ),
      );
      expect(r.values).toEqual([0, 1]);
      expect(r.errors).toEqual([err]);
      expect(emitted).toBe(3);
    });

    it('should unsubscribe the leaves of a node source and the active projections', () => {
      const a = new Subject<number>();
      const b = new Subject<number>();
      const gates = new Gates<number>();
      const r = record(roundRobin({ a, b }).pipe(fairMergeMap(gates.project, 1)));
      a.next(1);
      b.next(2);
      r.subscription.unsubscribe();
      expect(a.observed).toBe(false);
      expect(b.observed).toBe(false);
      expect(gates.torn).toEqual([1]);
    });

    it('should ignore a Promise that settles after unsubscribing', async () => {
      const d = deferred<number>();
      const r = record(of(1).pipe(fairMergeMap(() => d.promise, 1)));
      r.subscription.unsubscribe();
      d.resolve(5);
      await flush();
      expect(r.values).toEqual([]);
      expect(r.errors).toEqual([]);
    });
  });

  describe('semantic 9: virtual time', () => {
    it('should give exact frames: fair order with `by`', () => {
      runMarbles(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const values = { a: 'h1:a', b: 'h1:b', c: 'h1:c', x: 'h2:x' };
        const source = hot('  -abcx---------|', values);
        const sourceSubs = '  ^-------------!';
        const inner = cold('   -----(v|)');
        const innerSubs = [
          '                   -^----!',
          '                   ------^----!',
          '                   -----------^----!',
          '                   ----------------^----!',
        ];
        const expected = '    ------a----b----x----(c|)';
        const result = source.pipe(fairMergeMap((v) => inner.pipe(map(() => v)), { concurrency: 1, by: byPrefix }));
        expectObservable(result).toBe(expected, values);
        expectSubscriptions(source.subscriptions).toBe(sourceSubs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should give exact frames: FIFO without `by`', () => {
      runMarbles(({ hot, cold, expectObservable }) => {
        const values = { a: 'h1:a', b: 'h1:b', c: 'h1:c', x: 'h2:x' };
        const source = hot('  -abcx---------|', values);
        const inner = cold('   -----(v|)');
        const expected = '    ------a----b----c----(x|)';
        expectObservable(source.pipe(fairMergeMap((v) => inner.pipe(map(() => v)), 1))).toBe(expected, values);
      });
    });

    it('should give exact frames with concurrency 2', () => {
      runMarbles(({ hot, cold, expectObservable }) => {
        const values = { a: 'h1:a', b: 'h1:b', c: 'h1:c', x: 'h2:x', y: 'h2:y' };
        const source = hot('  -abcxy---|', values);
        const inner = cold('   ---(v|)');
        // 1, 2: a and b start; 3: c waits (h1); 4: x waits (h2), a done, c starts; 5: y waits, b done, x starts;
        // 7: c done, y starts; 10: y done and the source has completed.
        const expected = '    ----ab-cx-(y|)';
        expectObservable(
          source.pipe(fairMergeMap((v) => inner.pipe(map(() => v)), { concurrency: 2, by: byPrefix })),
        ).toBe(expected, values);
      });
    });

    it('should cancel at an early unsubscription', () => {
      runMarbles(({ hot, cold, expectObservable, expectSubscriptions }) => {
        const source = hot('  -abc------|');
        const inner = cold('   ---(v|)');
        const unsub = '       -----!';
        const expected = '    ----a-';
        expectObservable(source.pipe(fairMergeMap((v) => inner.pipe(map(() => v)), 1)), unsub).toBe(expected);
        expectSubscriptions(source.subscriptions).toBe('^----!');
        expectSubscriptions(inner.subscriptions).toBe(['-^--!', '----^!']);
      });
    });
  });

  describe('semantic 10: re-entrancy', () => {
    it('should handle projections that complete synchronously', () => {
      const r = record(of(1, 2, 3).pipe(fairMergeMap((x) => of(x, x * 10), 1)));
      expect(r.values).toEqual([1, 10, 2, 20, 3, 30]);
      expect(r.completed).toBe(true);
    });

    it('should take events a projection pushes into its own source while being dispatched', () => {
      const source = new Subject<string>();
      const r = record(
        source.pipe(
          fairMergeMap(
            (x) => {
              if (x === 'a:1') {
                source.next('b:1');
                source.next('a:2');
                source.next('b:2');
              }
              return of(x);
            },
            { concurrency: 1, by: byPrefix },
          ),
        ),
      );
      source.next('a:1');
      expect(r.values).toEqual(['a:1', 'b:1', 'a:2', 'b:2']);
      source.complete();
      expect(r.completed).toBe(true);
    });

    it('should complete when a projection completes the source synchronously', () => {
      const source = new Subject<number>();
      const r = record(
        source.pipe(
          fairMergeMap((x) => {
            if (x === 2) source.complete();
            return of(x);
          }, 1),
        ),
      );
      source.next(1);
      source.next(2);
      expect(r.values).toEqual([1, 2]);
      expect(r.completed).toBe(true);
    });

    it('should handle a million synchronous completions from a synchronous source', () => {
      let count = 0;
      let inOrder = true;
      let completed = false;
      range(0, 1_000_000)
        .pipe(fairMergeMap((x) => of(x), 1))
        .subscribe({
          next: (x) => {
            if (x !== count) inOrder = false;
            count++;
          },
          complete: () => (completed = true),
        });
      expect(count).toBe(1_000_000);
      expect(inOrder).toBe(true);
      expect(completed).toBe(true);
    });

    it('should drain a backlog of a million with synchronous completions without growing the stack', () => {
      const source = new Subject<number>();
      const b = blocker<number>();
      let count = 0;
      let inOrder = true;
      let completed = false;
      source.pipe(fairMergeMap((x, i) => (i === 0 ? b.observable : of(x)), 1)).subscribe({
        next: (x) => {
          if (x !== count) inOrder = false;
          count++;
        },
        complete: () => (completed = true),
      });
      source.next(-1);
      for (let i = 0; i < 1_000_000; i++) source.next(i);
      source.complete();
      b.release();
      expect(count).toBe(1_000_000);
      expect(inOrder).toBe(true);
      expect(completed).toBe(true);
    });
  });

  describe('semantic 11: bad input', () => {
    it.each([
      ['0', 0],
      ['-1', -1],
      ['1.5', 1.5],
      ['NaN', Number.NaN],
      ['-Infinity', -Infinity],
      ["'3'", '3' as unknown as number],
    ])('should throw a TypeError at the call for concurrency %s', (_, concurrency) => {
      expect(() => fairMergeMap((x: number) => of(x), concurrency)).toThrow(TypeError);
      expect(() => fairMergeMap((x: number) => of(x), { concurrency })).toThrow(TypeError);
      expect(() => fairMergeMap((x: number) => of(x), { concurrency })).toThrow(/concurrency/);
    });

    it('should accept positive integers and Infinity', () => {
      expect(() => fairMergeMap((x: number) => of(x), 1)).not.toThrow();
      expect(() => fairMergeMap((x: number) => of(x), 16)).not.toThrow();
      expect(() => fairMergeMap((x: number) => of(x), Infinity)).not.toThrow();
      expect(() => fairMergeMap((x: number) => of(x), {})).not.toThrow();
    });

    it('should throw a TypeError at the call for a bad project, options or `by`', () => {
      expect(() => fairMergeMap(42 as unknown as (x: number) => Observable<number>, 1)).toThrow(TypeError);
      expect(() => fairMergeMap((x: number) => of(x), null as unknown as number)).toThrow(TypeError);
      expect(() => fairMergeMap((x: number) => of(x), { by: 'host' as unknown as (x: number) => unknown[] })).toThrow(
        TypeError,
      );
    });

    it.each([
      ['a string', 'host'],
      ['null', null],
      ['an object', { host: 'a' }],
      ['an empty array', []],
    ])('should error the output with a TypeError when `by` returns %s, changing nothing', (_, path) => {
      const source = new Subject<string>();
      const gates = new Gates<string>();
      const r = record(
        source.pipe(
          fairMergeMap(gates.project, {
            concurrency: 1,
            by: (x) => (x === 'bad' ? (path as unknown as string[]) : [x]),
          }),
        ),
      );
      source.next('ok1'); // dispatched
      source.next('ok2'); // queued
      source.next('bad');
      expect(r.errors.length).toBe(1);
      expect(r.errors[0]).toBeInstanceOf(TypeError);
      expect((r.errors[0] as Error).message).toMatch(/by/);
      expect(source.observed).toBe(false);
      expect(gates.torn).toEqual(['ok1']);
      expect(gates.started).toEqual(['ok1']);
    });

    it('should error the output with the error `by` throws', () => {
      const source = new Subject<string>();
      const err = new Error('no key');
      const r = record(
        source.pipe(
          fairMergeMap((x) => of(x), {
            by: (x) => {
              if (x === 'bad') throw err;
              return [x];
            },
          }),
        ),
      );
      source.next('a');
      source.next('bad');
      expect(r.values).toEqual(['a']);
      expect(r.errors).toEqual([err]);
      expect(source.observed).toBe(false);
    });

    it('should error the output with a TypeError when `by` paths disagree in depth', () => {
      const source = new Subject<string>();
      const gates = new Gates<string>();
      const r = record(source.pipe(fairMergeMap(gates.project, { concurrency: 1, by: byPrefix })));
      source.next('h1/v1:0'); // dispatched
      source.next('h1/v1:1'); // queued: h1/v1 is a leaf
      source.next('h1/v1/p:2');
      expect(r.errors.length).toBe(1);
      expect(r.errors[0]).toBeInstanceOf(TypeError);
    });
  });

  describe('projections', () => {
    it('should take Promise-returning projections, emitting in settlement order with at most `concurrency` pending', async () => {
      const ds = [deferred<string>(), deferred<string>(), deferred<string>(), deferred<string>()];
      const started: number[] = [];
      const result = lastValueFrom(
        of(0, 1, 2, 3).pipe(
          fairMergeMap((i) => {
            started.push(i);
            return (ds[i] as { promise: Promise<string> }).promise;
          }, 2),
          toArray(),
        ),
      );
      expect(started).toEqual([0, 1]);
      ds[1]?.resolve('one');
      await flush();
      expect(started).toEqual([0, 1, 2]);
      ds[2]?.resolve('two');
      await flush();
      expect(started).toEqual([0, 1, 2, 3]);
      ds[3]?.resolve('three');
      ds[0]?.resolve('zero');
      expect(await result).toEqual(['one', 'two', 'three', 'zero']);
    });

    it('should take async functions as projections', async () => {
      const result = await lastValueFrom(
        of(1, 2, 3).pipe(
          fairMergeMap(async (x) => x * 2, 2),
          toArray(),
        ),
      );
      expect(result).toEqual([2, 4, 6]);
    });

    it('should error the output when a Promise rejects', async () => {
      const err = new Error('rejected');
      await expect(
        lastValueFrom(of(1, 2).pipe(fairMergeMap((x) => (x === 2 ? Promise.reject(err) : Promise.resolve(x)), 1))),
      ).rejects.toBe(err);
    });

    it('should take array projections', () => {
      const r = record(of(1, 2).pipe(fairMergeMap((x) => [x, x * 10, x * 100], 1)));
      expect(r.values).toEqual([1, 10, 100, 2, 20, 200]);
      expect(r.completed).toBe(true);
    });

    it('should take iterable projections', () => {
      function* twice(x: string): Generator<string> {
        yield `${x}1`;
        yield `${x}2`;
      }
      const r = record(of('a', 'b').pipe(fairMergeMap(twice, 1)));
      expect(r.values).toEqual(['a1', 'a2', 'b1', 'b2']);
      expect(r.completed).toBe(true);
    });

    it('should pass an index that counts dispatches, in dispatch order', () => {
      const source = new Subject<string>();
      const b = blocker<string>();
      const r = record(
        source.pipe(
          fairMergeMap((x, i) => (x === 'a:0' ? b.observable : of(`${x}#${i}`)), { concurrency: 1, by: byPrefix }),
        ),
      );
      source.next('a:0');
      source.next('a:1');
      source.next('a:2');
      source.next('b:1');
      b.release();
      expect(r.values).toEqual(['a:1#1', 'b:1#2', 'a:2#3']);
      const r2 = record(of('x', 'y', 'z').pipe(fairMergeMap((x, i) => of(`${x}${i}`))));
      expect(r2.values).toEqual(['x0', 'y1', 'z2']);
    });

    it('should restart the index for each subscription', () => {
      const op = of('a', 'b').pipe(fairMergeMap((x, i) => of(`${x}${i}`), 1));
      expect(record(op).values).toEqual(['a0', 'b1']);
      expect(record(op).values).toEqual(['a0', 'b1']);
    });
  });

  describe('with a roundRobin source', () => {
    it('should pull from the node tree when applied to a node', () => {
      const a = new Subject<string>();
      const b = new Subject<string>();
      const node = roundRobin({ a, b });
      const gates = new Gates<string>();
      record(node.pipe(fairMergeMap(gates.project, 1)));
      a.next('a1');
      a.next('a2');
      a.next('a3');
      b.next('b1');
      for (const x of ['a1', 'a2']) gates.finish(x);
      expect(gates.started).toEqual(['a1', 'a2', 'b1']);
    });

    it('should treat a node as a flat stream when `by` is given', () => {
      const a = new Subject<string>();
      const b = new Subject<string>();
      const node = roundRobin({ a, b });
      const gates = new Gates<string>();
      record(node.pipe(fairMergeMap(gates.project, { concurrency: 1, by: byPrefix })));
      a.next('x:1'); // dispatched
      a.next('x:2');
      b.next('x:3');
      b.next('y:1');
      // events arrive on the node as they come; the tree is built from `by`: keys x, y
      expect(node.size).toBe(0);
      for (const x of ['x:1', 'x:2']) gates.finish(x);
      expect(gates.started).toEqual(['x:1', 'x:2', 'y:1']);
    });

    it('should give each subscription of a node its own tree', () => {
      const a = new Subject<string>();
      const node = roundRobin({ a });
      const g1 = new Gates<string>();
      const g2 = new Gates<string>();
      record(node.pipe(fairMergeMap(g1.project, 1)));
      record(node.pipe(fairMergeMap(g2.project, 2)));
      a.next('a1');
      a.next('a2');
      a.next('a3');
      expect(g1.started).toEqual(['a1']);
      expect(g2.started).toEqual(['a1', 'a2']);
      expect(node.size).toBe(3); // 2 queued for the first, 1 for the second
      g1.finish('a1');
      expect(g1.started).toEqual(['a1', 'a2']);
      expect(g2.started).toEqual(['a1', 'a2']);
    });
  });
});
