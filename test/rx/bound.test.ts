import { Subject, of, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { manualProjection as manual } from '../support/manualProjection.js';
import { OverflowError, fairMergeMap, roundRobin, type Dropped } from '../../src/index.js';

/** A subscription's output, its state, and its drops. */
function watch<T>(output: Observable<T>) {
  const state = { values: [] as T[], error: undefined as unknown, completed: false };
  const sub = output.subscribe({
    next: (v) => state.values.push(v),
    error: (err: unknown) => (state.error = err),
    complete: () => (state.completed = true),
  });
  return { state, sub };
}

describe('roundRobin bounds', () => {
  it('should drop the oldest queued event of a full leaf and report it on a Subject', () => {
    const heal = new Subject<string>();
    const scale = new Subject<string>();
    const dropped = new Subject<Dropped<string>>();
    const reports: Dropped<string>[] = [];
    dropped.subscribe((d) => reports.push(d));
    const node = roundRobin({ heal, scale }, { bounds: { heal: { size: 2, overflow: 'drop-oldest', dropped } } });
    const m = manual();
    const { state } = watch(node.pipe(fairMergeMap(m.project, 1)));
    for (const v of ['w', 'a', 'b', 'c', 'd']) heal.next(v); // w runs; a b c d queue in a leaf of 2
    scale.next('x');
    expect(reports).toEqual([
      { event: 'a', reason: 'drop-oldest', path: ['heal'] },
      { event: 'b', reason: 'drop-oldest', path: ['heal'] },
    ]);
    expect(node.size).toBe(3);
    m.finish('w', 'c', 'x', 'd');
    expect(m.started).toEqual(['w', 'c', 'x', 'd']);
    heal.complete();
    scale.complete();
    expect(state.completed).toBe(true);
  });

  it('should refuse the arriving event with drop-newest, reported to a function', () => {
    const heal = new Subject<string>();
    const reports: Dropped<string>[] = [];
    const node = roundRobin(
      { heal },
      { bounds: { heal: { size: 1, overflow: 'drop-newest', dropped: (d) => reports.push(d) } } },
    );
    const m = manual();
    watch(node.pipe(fairMergeMap(m.project, 1)));
    for (const v of ['w', 'a', 'b']) heal.next(v);
    expect(reports).toEqual([{ event: 'b', reason: 'drop-newest', path: ['heal'] }]);
    m.finish('w', 'a');
    expect(m.started).toEqual(['w', 'a']);
  });

  it('should conflate a paused VM to its latest state, and dispatch it on resume', () => {
    const vm1 = new Subject<string>();
    const vm2 = new Subject<string>();
    const reports: Dropped<string>[] = [];
    const host = roundRobin({ vm1, vm2 }, { bounds: { vm1: { overflow: 'latest', dropped: (d) => reports.push(d) } } });
    const m = manual();
    const { state } = watch(host.pipe(fairMergeMap(m.project, 1)));
    host.pause('vm1');
    vm1.next('MAINTENANCE');
    vm1.next('DOWN');
    expect(reports).toEqual([{ event: 'MAINTENANCE', reason: 'latest', path: ['vm1'], replacedBy: 'DOWN' }]);
    expect(m.started).toEqual([]);
    vm2.next('x');
    host.resume('vm1');
    m.finish('x');
    expect(m.started).toEqual(['x', 'DOWN']);
    m.finish('DOWN');
    vm1.complete();
    vm2.complete();
    expect(state.completed).toBe(true);
  });

  it('should report the path from the node subscribed down to the leaf', () => {
    const heal = new Subject<string>();
    const reports: Dropped<string>[] = [];
    const vm1 = roundRobin(
      { heal },
      { bounds: { heal: { size: 1, overflow: 'drop-oldest', dropped: (d) => reports.push(d) } } },
    );
    const cloud = roundRobin({ compute1: roundRobin({ vm1 }) });
    const m = manual();
    watch(cloud.pipe(fairMergeMap(m.project, 1)));
    for (const v of ['w', 'a', 'b']) heal.next(v);
    expect(reports.map((d) => d.path)).toEqual([['compute1', 'vm1', 'heal']]);
  });

  it("should error the output with an OverflowError under 'error', leaving the event out", () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal }, { bounds: { heal: { size: 1, overflow: 'error' } } });
    const m = manual();
    const { state } = watch(node.pipe(fairMergeMap(m.project, 1)));
    heal.next('w');
    heal.next('a');
    expect(state.error).toBeUndefined();
    heal.next('b');
    expect(state.error).toBeInstanceOf(OverflowError);
    expect(state.error).toMatchObject({ size: 1, path: ['heal'] });
    expect(heal.observed).toBe(false); // unsubscribed
    expect(m.running.get('w')?.observed).toBe(false);
  });

  it('should never meet the bound on the fast path: events dispatched at once are not queued', () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal }, { bounds: { heal: { size: 1, overflow: 'error' } } });
    const m = manual();
    const { state } = watch(node.pipe(fairMergeMap(m.project, 3)));
    for (const v of ['a', 'b', 'c', 'd']) heal.next(v); // three dispatched at once, d queued
    expect(m.started).toEqual(['a', 'b', 'c']);
    expect(state.error).toBeUndefined();
    expect(node.size).toBe(1);
  });

  it('should bound each subscription separately, and apply to a node subscribed directly', () => {
    const heal = new Subject<string>();
    const reports: Dropped<string>[] = [];
    const node = roundRobin(
      { heal },
      { bounds: { heal: { size: 1, overflow: 'drop-oldest', dropped: (d) => reports.push(d) } } },
    );
    const direct = watch(node);
    const m = manual();
    watch(node.pipe(fairMergeMap(m.project, 1)));
    for (const v of ['w', 'a', 'b']) heal.next(v);
    expect(direct.state.values).toEqual(['w', 'a', 'b']); // nothing queues when subscribed directly
    expect(reports).toEqual([{ event: 'a', reason: 'drop-oldest', path: ['heal'] }]);
    node.pause('heal');
    heal.next('c');
    heal.next('d');
    // Paused, both subscriptions queue, each in its own leaf of 1: c drops b (piped), then d drops c in each.
    expect(reports.map((d) => d.event)).toEqual(['a', 'b', 'c', 'c']);
  });

  it('should keep the count exact so the output completes once every survivor ran', () => {
    const heal = new Subject<string>();
    const node = roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'drop-newest', dropped: () => {} } } });
    const m = manual();
    const { state } = watch(node.pipe(fairMergeMap(m.project, 1)));
    for (const v of ['w', 'a', 'b', 'c', 'd', 'e']) heal.next(v);
    heal.complete();
    m.finish('w', 'a');
    expect(state.completed).toBe(false);
    m.finish('b');
    expect(m.started).toEqual(['w', 'a', 'b']);
    expect(state.completed).toBe(true);
  });

  it('should let a dropped observer complete the leaf without ending the stream early', () => {
    const heal = new Subject<string>();
    const node = roundRobin(
      { heal },
      { bounds: { heal: { size: 1, overflow: 'drop-oldest', dropped: () => heal.complete() } } },
    );
    const m = manual();
    const { state } = watch(node.pipe(fairMergeMap(m.project, 1)));
    heal.next('w');
    heal.next('a');
    heal.next('b'); // drops a; the report completes heal while b is queued
    m.finish('w');
    expect(m.started).toEqual(['w', 'b']);
    expect(state.completed).toBe(false);
    m.finish('b');
    expect(state.completed).toBe(true);
  });

  it('should error the output when dropped throws', () => {
    const heal = new Subject<string>();
    const boom = new Error('boom');
    const node = roundRobin(
      { heal },
      {
        bounds: {
          heal: {
            size: 1,
            overflow: 'drop-oldest',
            dropped: () => {
              throw boom;
            },
          },
        },
      },
    );
    const m = manual();
    const { state } = watch(node.pipe(fairMergeMap(m.project, 1)));
    for (const v of ['w', 'a', 'b']) heal.next(v);
    expect(state.error).toBe(boom);
  });

  it('should hand back the survivors on delete, and forget the bound', () => {
    const heal = new Subject<string>();
    const reports: string[] = [];
    const node = roundRobin(
      { heal },
      { bounds: { heal: { size: 2, overflow: 'drop-oldest', dropped: (d) => reports.push(d.event) } } },
    );
    expect(node.boundOf('heal')).toMatchObject({ size: 2, overflow: 'drop-oldest' });
    const m = manual();
    watch(node.pipe(fairMergeMap(m.project, 1)));
    for (const v of ['w', 'a', 'b', 'c']) heal.next(v);
    expect(node.delete('heal')).toEqual(['b', 'c']);
    expect(reports).toEqual(['a']);
    node.add('heal', heal);
    expect(node.boundOf('heal')).toBeUndefined();
  });

  it('should bound a leaf given to add, from its first event (a synchronous source emits during add)', () => {
    const heal = new Subject<string>();
    const reports: Dropped<string>[] = [];
    const node = roundRobin({ heal });
    const m = manual();
    node.pipe(fairMergeMap(m.project, 1)).subscribe();
    heal.next('w'); // runs: the states below queue
    node.add('state', of('MAINTENANCE', 'DOWN'), { bound: { overflow: 'latest', dropped: (d) => reports.push(d) } });
    expect(reports).toEqual([{ event: 'MAINTENANCE', reason: 'latest', path: ['state'], replacedBy: 'DOWN' }]);
    expect(node.boundOf('state')?.overflow).toBe('latest');
    m.finish('w');
    expect(m.started).toEqual(['w', 'DOWN']);
  });

  it('should reject a bad bound on add, and a bound for a node, adding nothing', () => {
    const node = roundRobin({ heal: new Subject<string>() });
    expect(() => node.add('a', new Subject<string>(), { bound: { size: 1, overflow: 'drop-oldest' } })).toThrow(
      /Expected `dropped` of key "a" with overflow 'drop-oldest': nothing is dropped silently/,
    );
    expect(() =>
      node.add('vm', roundRobin({ b: new Subject<string>() }), { bound: { size: 1, overflow: 'error' } }),
    ).toThrow(/it is a roundRobin node; bound its leaves/);
    expect([node.has('a'), node.has('vm')]).toEqual([false, false]);
  });

  it('should validate bounds at construction, applying nothing on error', () => {
    const heal = new Subject<string>();
    const vm = roundRobin({ heal });
    const dropped = (): void => {};
    expect(() => roundRobin({ heal }, { bounds: { scale: { size: 1, overflow: 'error' } } })).toThrow(
      new TypeError('Cannot set `bounds` of key "scale": no such child'),
    );
    expect(() => roundRobin({ vm }, { bounds: { vm: { size: 1, overflow: 'error' } } })).toThrow(
      new TypeError('Cannot set `bounds` of key "vm": it is a roundRobin node; bound its leaves'),
    );
    expect(() => roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'drop-oldest' } } })).toThrow(
      new TypeError('Expected `dropped` of key "heal" with overflow \'drop-oldest\': nothing is dropped silently'),
    );
    expect(() => roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'latest', dropped } } })).toThrow(
      TypeError,
    );
    expect(() => roundRobin({ heal }, { bounds: { heal: { size: 0, overflow: 'drop-newest', dropped } } })).toThrow(
      /Expected `size` of key "heal" to be a positive integer, got 0/,
    );
    expect(() => roundRobin({ heal }, { bounds: { heal: { size: 1, overflow: 'drop-newest', dropped: {} } } })).toThrow(
      /Expected `dropped` of key "heal" to be a function or an Observer with `next`/,
    );
    expect(() => roundRobin({ heal }, { bounds: { heal: { size: 1, overflow: 'oldest' as never, dropped } } })).toThrow(
      TypeError,
    );
    expect(() => roundRobin({ heal }, { bounds: 3 as never })).toThrow(TypeError);
    // Nothing half-applied: a valid weight next to a bad bound is not set either.
    expect(() => roundRobin({ heal }, { weights: { heal: 2 }, bounds: { heal: null as never } })).toThrow(TypeError);
  });
});

describe('fairMergeMap bound', () => {
  it('should bound every leaf by creates, reporting the event path', () => {
    const events = new Subject<[string, string]>();
    const reports: Dropped<[string, string]>[] = [];
    const m = manual();
    watch(
      events.pipe(
        fairMergeMap(([, id]) => m.project(id), {
          concurrency: 1,
          by: ([vm]) => [vm],
          bound: { size: 1, overflow: 'drop-oldest', dropped: (d) => reports.push(d) },
        }),
      ),
    );
    events.next(['vm1', 'w']);
    events.next(['vm1', 'a']);
    events.next(['vm2', 'x']);
    events.next(['vm1', 'b']);
    expect(reports).toEqual([{ event: ['vm1', 'a'], reason: 'drop-oldest', path: ['vm1'] }]);
    m.finish('w', 'b', 'x');
    expect(m.started).toEqual(['w', 'b', 'x']);
  });

  it('should conflate per path with latest, also in a branch pruned and created again', () => {
    const events = new Subject<{ vm: string; state: string }>();
    const reports: Dropped<{ vm: string; state: string }>[] = [];
    const m = manual();
    watch(
      events.pipe(
        fairMergeMap((e) => m.project(`${e.vm}:${e.state}`), {
          concurrency: 1,
          by: (e) => [e.vm],
          bound: { overflow: 'latest', dropped: (d) => reports.push(d) },
        }),
      ),
    );
    events.next({ vm: 'vm1', state: 'ACTIVE' });
    events.next({ vm: 'vm1', state: 'MAINTENANCE' });
    events.next({ vm: 'vm1', state: 'DOWN' });
    m.finish('vm1:ACTIVE', 'vm1:DOWN');
    events.next({ vm: 'vm2', state: 'ACTIVE' });
    events.next({ vm: 'vm1', state: 'MAINTENANCE' });
    events.next({ vm: 'vm1', state: 'ACTIVE' });
    m.finish('vm2:ACTIVE', 'vm1:ACTIVE');
    expect(m.started).toEqual(['vm1:ACTIVE', 'vm1:DOWN', 'vm2:ACTIVE', 'vm1:ACTIVE']);
    expect(reports.map((d) => [d.event.state, d.replacedBy?.state, d.path])).toEqual([
      ['MAINTENANCE', 'DOWN', ['vm1']],
      ['MAINTENANCE', 'ACTIVE', ['vm1']],
    ]);
  });

  it('should be a bounded FIFO mergeMap without by (path [])', () => {
    const events = new Subject<string>();
    const reports: Dropped<string>[] = [];
    const m = manual();
    const { state } = watch(
      events.pipe(
        fairMergeMap(m.project, {
          concurrency: 1,
          bound: { size: 2, overflow: 'drop-newest', dropped: (d) => reports.push(d) },
        }),
      ),
    );
    for (const v of ['w', 'a', 'b', 'c']) events.next(v);
    events.complete();
    expect(reports).toEqual([{ event: 'c', reason: 'drop-newest', path: [] }]);
    m.finish('w', 'a', 'b');
    expect(m.started).toEqual(['w', 'a', 'b']);
    expect(state.completed).toBe(true);
  });

  it("should error the output with an OverflowError naming the path under 'error'", () => {
    const events = new Subject<string[]>();
    const m = manual();
    const { state } = watch(
      events.pipe(
        fairMergeMap((e) => m.project(e.join('/')), {
          concurrency: 1,
          by: (e) => e.slice(0, 2),
          bound: { size: 1, overflow: 'error' },
        }),
      ),
    );
    events.next(['h1', 'vm1', 'w']);
    events.next(['h1', 'vm1', 'a']);
    events.next(['h1', 'vm2', 'x']);
    expect(state.error).toBeUndefined();
    events.next(['h1', 'vm1', 'b']);
    expect(state.error).toBeInstanceOf(OverflowError);
    expect(state.error).toMatchObject({
      path: ['h1', 'vm1'],
      size: 1,
      message: expect.stringMatching(/Leaf \["h1", "vm1"\] is full/),
    });
    expect(events.observed).toBe(false);
  });

  it('should combine with caps and weights', () => {
    const events = new Subject<[string, string]>();
    const reports: string[] = [];
    const m = manual();
    watch(
      events.pipe(
        fairMergeMap(([, id]) => m.project(id), {
          concurrency: 2,
          by: ([vm]) => [vm],
          caps: [1],
          bound: { size: 1, overflow: 'drop-oldest', dropped: (d) => reports.push(d.event[1]) },
        }),
      ),
    );
    for (const [vm, id] of [
      ['vm1', 'a'],
      ['vm1', 'b'],
      ['vm1', 'c'],
      ['vm2', 'x'],
    ] as const)
      events.next([vm, id]);
    // a runs (vm1 at its cap); b queues, then c replaces it (drop-oldest); x takes the second slot.
    expect(m.started).toEqual(['a', 'x']);
    expect(reports).toEqual(['b']);
    m.finish('a');
    expect(m.started).toEqual(['a', 'x', 'c']);
  });

  it('should error at subscription with a roundRobin source, which is bounded through bounds', () => {
    const node = roundRobin({ heal: of('a') });
    const { state } = watch(node.pipe(fairMergeMap((v) => of(v), { bound: { size: 1, overflow: 'error' } })));
    expect(state.error).toEqual(
      new TypeError(
        'Expected no `bound` with a roundRobin source: give its leaves `bounds` (roundRobin(children, { bounds }))',
      ),
    );
  });

  it('should validate the bound when the operator is created', () => {
    expect(() => fairMergeMap((v: string) => of(v), { bound: { size: 10, overflow: 'drop-oldest' } })).toThrow(
      new TypeError("Expected `dropped` with overflow 'drop-oldest': nothing is dropped silently"),
    );
    expect(() => fairMergeMap((v: string) => of(v), { bound: 'small' as never })).toThrow(
      /Expected a bound \(\{ size, overflow, dropped \}\), got "small"/,
    );
    expect(() => fairMergeMap((v: string) => of(v), { bound: { overflow: 'drop-newest', dropped: () => {} } })).toThrow(
      /Expected `size` to be a positive integer/,
    );
  });
});
