import { Subject, map, type Observable } from 'rxjs';
import { describe, it } from 'vitest';
import { OverflowError, fairMergeMap, roundRobin, type Dropped } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * Bounded leaves (issue 6, feature 4), read as documentation.
 *
 * A bounded leaf queues at most `size` events; `overflow` says what one more does:
 * - `'drop-oldest'`: the oldest queued event leaves, the new one is queued;
 * - `'drop-newest'`: the arriving event is refused;
 * - `'latest'`: the leaf holds one event, which the new one replaces in place (conflation);
 * - `'error'`: the output errors with an `OverflowError`.
 *
 * Dropped and replaced events are reported on `dropped` (here a Subject, whose marble is `dropped`), never lost
 * silently. An event dispatched at once (nothing queued, a slot free) never meets the bound.
 *
 * Each projection emits its value 2 frames after it starts and completes a frame later (`--v|`), so with
 * concurrency 1 a slot frees every 3 frames. `testScheduler.schedule(fn, n)` calls a control method at frame `n`.
 */
describe('bounded leaves', () => {
  /** The events reported on `dropped`, for a marble of what was dropped when. */
  const events = <T>(dropped: Subject<Dropped<T>>) => dropped.pipe(map((d) => d.event));

  describe("'drop-oldest'", () => {
    it('should drop the oldest queued events of a full leaf, and report them', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // w runs at once; a b c d queue in a leaf of 2: c drops a, d drops b. Then c and d run.
        const heal = hot('      w(abcd)-----|');
        const healSubs = '      ^-----------!';
        const droppedAt = '     -(ab)--------';
        const expected = '      --w--c--d---|';

        const dropped = new Subject<Dropped<string>>();
        const node = roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'drop-oldest', dropped } } });
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });

    it('should report the leaf and the reason', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        const heal = hot('      w(ab)---|');
        const droppedAt = '     -a-------';
        const expected = '      --w--b--|';

        const dropped = new Subject<Dropped<string>>();
        const node = roundRobin({ heal }, { bounds: { heal: { size: 1, overflow: 'drop-oldest', dropped } } });
        expectObservable(dropped).toBe(droppedAt, { a: { event: 'a', reason: 'drop-oldest', path: ['heal'] } });
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });
  });

  describe("'drop-newest'", () => {
    it('should refuse arriving events while the leaf is full, and report them', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // w runs; a b fill the leaf of 2; c d are refused. Once a ran there is room again: e is queued.
        const heal = hot('      w(abcd)e-----|');
        const healSubs = '      ^------------!';
        const droppedAt = '     -(cd)---------';
        const expected = '      --w--a--b--e-|';

        const dropped = new Subject<Dropped<string>>();
        const node = roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'drop-newest', dropped } } });
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });
  });

  describe("'latest'", () => {
    it("should replace a VM's queued MAINTENANCE with DOWN, keeping its place in the rotation", () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // w holds the only slot. vm1 queues M before vm2 queues x; D replaces M in place, so vm1 is still first.
        const vm1 = hot('       wM-D-------|', { w: 'w', M: 'MAINTENANCE', D: 'DOWN' });
        const vm2 = hot('       --x--------|');
        const droppedAt = '     ---r--------';
        const expected = '      --w--D--x--|';

        const dropped = new Subject<Dropped<string>>();
        const host = roundRobin({ vm1, vm2 }, { bounds: { vm1: { overflow: 'latest', dropped } } });
        expectObservable(dropped).toBe(droppedAt, {
          r: { event: 'MAINTENANCE', reason: 'latest', path: ['vm1'], replacedBy: 'DOWN' },
        });
        expectObservable(host.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected, {
          w: 'w',
          D: 'DOWN',
          x: 'x',
        });
      });
    });

    it('should conflate a paused VM to its latest state, dispatched on resume', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions, testScheduler }) => {
        // vm1 is paused (in MAINTENANCE) from the start: A, M, D arrive and only D is kept. resume at frame 6.
        const vm1 = hot('       -A-M-D-------|', { A: 'ACTIVE', M: 'MAINTENANCE', D: 'DOWN' });
        const vm1Subs = '       ^------------!';
        const droppedAt = '     ---A-M--------';
        const expected = '      --------D----|';

        const dropped = new Subject<Dropped<string>>();
        const host = roundRobin({ vm1 }, { bounds: { vm1: { overflow: 'latest', dropped } } });
        host.pause('vm1');
        testScheduler.schedule(() => host.resume('vm1'), 6);
        expectObservable(events(dropped)).toBe(droppedAt, { A: 'ACTIVE', M: 'MAINTENANCE' });
        expectObservable(host.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected, { D: 'DOWN' });
        expectSubscriptions(vm1.subscriptions).toBe(vm1Subs);
      });
    });

    it('should conflate per key path with by', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // State events per VM; w keeps the only slot busy. vm1's M is replaced by D; vm2's x is kept.
        const states = hot('    wMxD------|', { w: ['vm0', 'w'], M: ['vm1', 'M'], x: ['vm2', 'x'], D: ['vm1', 'D'] });
        const droppedAt = '     ---M-------';
        const expected = '      --w--D--x-|';

        const dropped = new Subject<Dropped<string[]>>();
        const result = states.pipe(
          fairMergeMap(([, s]) => cold('--v|', { v: s }), {
            concurrency: 1,
            by: ([vm]) => [vm],
            bound: { overflow: 'latest', dropped },
          }),
        );
        expectObservable(dropped.pipe(map((d) => `${d.path.join('/')}:${d.event[1]}->${d.replacedBy?.[1]}`))).toBe(
          droppedAt,
          { M: 'vm1:M->D' },
        );
        expectObservable(result).toBe(expected);
      });
    });
  });

  describe("'error'", () => {
    it('should error the output with an OverflowError and unsubscribe the leaves', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // w runs, a and b fill the leaf of 2, c overflows at frame 3 (w's value came out at frame 2).
        const heal = hot('      wabc----|');
        const healSubs = '      ^--!     ';
        const expected = '      --w#     ';

        const node = roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'error' } } });
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(
          expected,
          undefined,
          new OverflowError(2, ['heal']),
        );
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });
  });

  describe('paused leaves', () => {
    it('should bound a paused leaf too: the survivors run on resume', () => {
      runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
        // heal is paused until frame 8; its leaf of 2 keeps the last two (c d). scale runs meanwhile.
        const heal = hot('      (abcd)----------|');
        const scale = hot('     -x--------------|');
        const droppedAt = '     (ab)-------------';
        const expected = '      ---x------c--d--|';

        const dropped = new Subject<Dropped<string>>();
        const node = roundRobin({ heal, scale }, { bounds: { heal: { size: 2, overflow: 'drop-oldest', dropped } } });
        node.pause('heal');
        testScheduler.schedule(() => node.resume('heal'), 8);
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });
  });

  describe('without by', () => {
    it('should be a bounded FIFO mergeMap', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // Concurrency 2: w and v run at once; of a b c, only b c are kept (a leaf of 2, drop-oldest).
        const source = hot('    wv(abc)------|');
        const droppedAt = '     --a-----------';
        const expected = '      --wv-bc------|';

        const dropped = new Subject<Dropped<string>>();
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(
          source.pipe(
            fairMergeMap((v) => cold('--v|', { v }), {
              concurrency: 2,
              bound: { size: 2, overflow: 'drop-oldest', dropped },
            }),
          ),
        ).toBe(expected);
      });
    });
  });

  describe('the RxJS case list', () => {
    /** A leaf of 2 dropping its oldest event, reporting on `dropped`: the node and the Subject. */
    const boundedHeal = <T>(heal: Observable<T>) => {
      const dropped = new Subject<Dropped<T>>();
      const node = roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'drop-oldest', dropped } } });
      return { node, dropped };
    };

    it('should emit and report nothing when a bounded leaf never emits (never)', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = cold('     -------');
        const healSubs = '      ^------';
        const droppedAt = '     -------';
        const expected = '      -------';

        const { node, dropped } = boundedHeal(heal);
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });

    it('should complete at once when a bounded leaf is empty, and never complete dropped (empty)', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        // `dropped` is the caller's Subject: the node only calls its `next`, so it stays open.
        const heal = cold('     |   ');
        const healSubs = '      (^!)';
        const droppedAt = '     ----';
        const expected = '      |   ';

        const { node, dropped } = boundedHeal(heal);
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });

    it('should dispatch one event at once, without meeting the bound (one)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // a arrives with nothing queued and the slot free: it is dispatched at once, never queued.
        const heal = hot('      -a-|   ');
        const healSubs = '      ^--!   ';
        const inner = cold('     --v|  ', { v: 'healed' });
        const innerSubs = '     -^--!  ';
        const droppedAt = '     -------';
        const expected = '      ---v|  ';

        const { node, dropped } = boundedHeal(heal);
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(node.pipe(fairMergeMap(() => inner, 1))).toBe(expected, { v: 'healed' });
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should error when a bounded leaf errors, cancelling the projection and reporting no queued event (error)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // w runs; a b c queue in a leaf of 2: c drops a. b runs at 3; heal errors at 7 while c runs and nothing
        // waits. What is still queued when a leaf errors is discarded with the subscription, not reported.
        const heal = hot('      w(abc)-#      ');
        const healSubs = '      ^------!      ';
        const inners = {
          w: cold('             --w|          '),
          b: cold('                --b|       '),
          c: cold('                   --c|    '),
        };
        const wSubs = '         ^--!          ';
        const bSubs = '         ---^--!       ';
        const cSubs = '         ------^!      ';
        const droppedAt = '     -a------------';
        const expected = '      --w--b-#      ';

        const { node, dropped } = boundedHeal(heal);
        expectObservable(events(dropped)).toBe(droppedAt);
        expectObservable(node.pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(inners.w.subscriptions).toBe(wSubs);
        expectSubscriptions(inners.b.subscriptions).toBe(bSubs);
        expectSubscriptions(inners.c.subscriptions).toBe(cSubs);
      });
    });
  });

  it('should stop reporting after an early unsubscribe', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // Unsubscribed at frame 4: d, arriving later, is neither queued nor reported.
      const heal = hot('        w(abc)-d---|');
      const healSubs = '        ^---!       ';
      const unsub = '           ----!       ';
      const droppedAt = '       -a----------';
      const expected = '        --w---      ';

      const dropped = new Subject<Dropped<string>>();
      const node = roundRobin({ heal }, { bounds: { heal: { size: 2, overflow: 'drop-oldest', dropped } } });
      expectObservable(events(dropped)).toBe(droppedAt);
      expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1)), unsub).toBe(expected);
      expectSubscriptions(heal.subscriptions).toBe(healSubs);
    });
  });
});
