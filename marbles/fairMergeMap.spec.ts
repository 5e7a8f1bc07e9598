import { Subject, map, merge, of, take, tap, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fairMergeMap, roundRobin } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * `fairMergeMap(project, concurrencyOrOptions)`: `mergeMap` with fair, back-pressured dispatch.
 *
 * At most `concurrency` projections run at once. The next event is picked, in round-robin order over the keys,
 * only when a slot frees; until then the backlog waits in the leaves. Piped from a `roundRobin` node the keys
 * are the node's children; with `by` they come from each event's key path; on any other stream it is FIFO.
 *
 * Reading the diagrams:
 * - A free slot takes an event the moment it arrives (nothing to be fair about yet). Fairness shows once a
 *   backlog waits for the slot: the leaf at the front of the rotation gives one event and goes to the back.
 * - A leaf that gets its first event (or its first since it ran empty) joins the back of the rotation.
 * - Each frame is one virtual millisecond; `testScheduler.schedule(fn, n)` calls a control method at frame `n`,
 *   before the marble events of that frame.
 */
describe('fairMergeMap', () => {
  describe('fair order over a roundRobin node', () => {
    it('should alternate between leaves once a backlog waits for the slot', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // w holds the only slot from frame 0 to 3; meanwhile heal and scale queue events in the same frame.
        const heal = hot('   w(abc)---|          ');
        const scale = hot('  -(xy)----|          ');
        const expected = '   --w--a--x--b--y--c| ';

        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });

    it('should give a free slot the first arrival, then alternate the events queued behind it', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // All five arrive in frame 0, heal's first. a takes the free slot at once, leaving heal empty; b makes
        // heal join the rotation again, ahead of scale (whose x arrives after b). From there the leaves
        // alternate: b x c y. (Semantics 2: a leaf that receives its first event joins at the back.)
        const heal = hot('   (abc)------------|');
        const scale = hot('  (xy)-------------|');
        const expected = '   --a--b--x--c--y--|';

        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });

    it('should serve one event of each leaf in turn with concurrency 1', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // a takes the free slot; heal, scale and migrate join the rotation in that order as their backlogs
        // arrive. Each completion frees the slot for the front leaf's next event: b x m, then c y.
        const heal = hot('    -(abc)--------------|');
        const scale = hot('   --(xy)--------------|');
        const migrate = hot(' ---m----------------|');
        const leafSubs = '    ^-------------------!';
        const inners = {
          a: cold('            --a|                 '),
          b: cold('               --b|              '),
          x: cold('                  --x|           '),
          m: cold('                     --m|        '),
          c: cold('                        --c|     '),
          y: cold('                           --y|  '),
        };
        const aSubs = '       -^--!                 ';
        const bSubs = '       ----^--!              ';
        const xSubs = '       -------^--!           ';
        const mSubs = '       ----------^--!        ';
        const cSubs = '       -------------^--!     ';
        const ySubs = '       ----------------^--!  ';
        const expected = '    ---a--b--x--m--c--y-|';

        const node = roundRobin({ heal, scale, migrate });
        const result = node.pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 1));

        expectObservable(result).toBe(expected);
        expectSubscriptions(inners.a.subscriptions).toBe(aSubs);
        expectSubscriptions(inners.b.subscriptions).toBe(bSubs);
        expectSubscriptions(inners.x.subscriptions).toBe(xSubs);
        expectSubscriptions(inners.m.subscriptions).toBe(mSubs);
        expectSubscriptions(inners.c.subscriptions).toBe(cSubs);
        expectSubscriptions(inners.y.subscriptions).toBe(ySubs);
        for (const leaf of [heal, scale, migrate]) expectSubscriptions(leaf.subscriptions).toBe(leafSubs);
      });
    });

    it('should start the next events in rotation order as slots free with concurrency 2', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // Both slots are free at frame 1, so a and b start at once; when they complete, c and x take the slots,
        // then m and y.
        const heal = hot('    -(abc)--------------|');
        const scale = hot('   --(xy)--------------|');
        const migrate = hot(' ---m----------------|');
        const inners = {
          a: cold('            ----a|               '),
          b: cold('            ----b|               '),
          c: cold('                 ----c|          '),
          x: cold('                 ----x|          '),
          m: cold('                      ----m|     '),
          y: cold('                      ----y|     '),
        };
        const abSubs = '      -^----!               ';
        const cxSubs = '      ------^----!          ';
        const mySubs = '      -----------^----!     ';
        const expected = '    -----(ab)-(cx)-(my)-|';

        const node = roundRobin({ heal, scale, migrate });
        const result = node.pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 2));

        expectObservable(result).toBe(expected);
        expectSubscriptions(inners.a.subscriptions).toBe(abSubs);
        expectSubscriptions(inners.b.subscriptions).toBe(abSubs);
        expectSubscriptions(inners.c.subscriptions).toBe(cxSubs);
        expectSubscriptions(inners.x.subscriptions).toBe(cxSubs);
        expectSubscriptions(inners.m.subscriptions).toBe(mySubs);
        expectSubscriptions(inners.y.subscriptions).toBe(mySubs);
      });
    });

    it("should serve a quiet leaf's late event after at most one turn of a noisy leaf", () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // q arrives at frame 4, behind a backlog of c, d, e, f. It waits for c only (FIFO would run all four
        // first: see "FIFO without by" below).
        const noisy = hot('  -(abcdef)-------|');
        const quiet = hot('  ----q-----------|');
        const expected = '   --a-b-c-q-d-e-f-|';

        const node = roundRobin({ noisy, quiet });
        expectObservable(node.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });

    it("should drain nested nodes (hosts, then VMs) in the seed's order", () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // While w runs, every VM queues one event. Legend: a compute1-vm1, b compute1-vm2, c compute2-vm1,
        // d compute2-vm2, e compute3-vm1, f compute3-vm2. Dispatched: compute1-vm1, compute2-vm1,
        // compute3-vm1, compute1-vm2, compute2-vm2, compute3-vm2.
        const c1vm1 = hot('  wa-----------|');
        const c1vm2 = hot('  -b-----------|');
        const c2vm1 = hot('  -c-----------|');
        const c2vm2 = hot('  -d-----------|');
        const c3vm1 = hot('  -e-----------|');
        const c3vm2 = hot('  -f-----------|');
        const expected = '   -w-a-c-e-b-d-f|';

        const cloud = roundRobin({
          compute1: roundRobin({ vm1: c1vm1, vm2: c1vm2 }),
          compute2: roundRobin({ vm1: c2vm1, vm2: c2vm2 }),
          compute3: roundRobin({ vm1: c3vm1, vm2: c3vm2 }),
        });
        expectObservable(cloud.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });
  });

  describe('pause and resume mid-stream', () => {
    it('should skip a paused leaf, keep its events, and put it at the back of the rotation on resume', () => {
      runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
        // Unpaused the order would be a b x c y d e. scale is paused at frame 6 (y waits) and resumed at
        // frame 10, behind heal, which still holds e.
        const heal = hot('   -(abcde)---|     ');
        const scale = hot('  -(xy)------|     ');
        const expected = '   --a-b-x-c-d-e-y| ';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => node.pause('scale'), 6);
        testScheduler.schedule(() => node.resume('scale'), 10);
        expectObservable(node.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });

    it('should skip every leaf of a paused host until it is resumed', () => {
      runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
        // compute2 is in MAINTENANCE until frame 8: compute1's backlog runs alone meanwhile.
        const c1vm1 = hot('  w(ab)--|         ');
        const c2vm1 = hot('  -(xy)--|         ');
        const expected = '   -w-a-b---x-y|    ';

        const cloud = roundRobin({ compute1: roundRobin({ vm1: c1vm1 }), compute2: roundRobin({ vm1: c2vm1 }) });
        cloud.pause('compute2');
        testScheduler.schedule(() => cloud.resume('compute2'), 8);
        expectObservable(cloud.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });

    it('should not complete while a paused leaf still holds events', () => {
      runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
        const heal = hot('   -a-|         ');
        const scale = hot('  --x|         ');
        const expected = '   --a-------x| ';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => node.pause('scale'), 1);
        testScheduler.schedule(() => node.resume('scale'), 9);
        expectObservable(node.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });
  });

  describe('add and delete mid-stream', () => {
    it('should subscribe an added leaf and hand back the queued events of a deleted one', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions, testScheduler }) => {
        // migrate is added at frame 2 and joins the rotation with m at frame 3. scale is deleted at frame 5
        // with x and y still queued: delete returns them, and they are never dispatched.
        const heal = hot('     -(abc)------|');
        const healSubs = '     ^-----------!';
        const scale = hot('    -(xy)-------|');
        const scaleSubs = '    ^----!       ';
        const migrate = hot('  ---m--------|');
        const migrateSubs = '  --^---------!';
        const expected = '     ---a--b--m--c|';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => node.add('migrate', migrate), 2);
        testScheduler.schedule(() => {
          expect(node.delete('scale')).toEqual(['x', 'y']);
          expect(node.size).toBe(2); // c and m still queued, b running
        }, 5);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
        expectSubscriptions(migrate.subscriptions).toBe(migrateSubs);
      });
    });

    it('should hand back the queued events of a deleted host, every VM included', () => {
      runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
        // While w runs, compute2's VMs queue x, y and z; compute2 is deleted at frame 2, before any of them ran.
        const c1vm1 = hot('  w(ab)---| ');
        const c2vm1 = hot('  -(xy)---| ');
        const c2vm2 = hot('  -z------| ');
        const expected = '   --w--a--b|';

        const cloud = roundRobin({
          compute1: roundRobin({ vm1: c1vm1 }),
          compute2: roundRobin({ vm1: c2vm1, vm2: c2vm2 }),
        });
        testScheduler.schedule(() => expect(cloud.delete('compute2')).toEqual(['x', 'y', 'z']), 2);
        expectObservable(cloud.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });
  });

  describe('completion', () => {
    it('should complete only after the last projection completes', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a|      ');
        const scale = hot('  --x|     ');
        const inners = {
          a: cold('           -----a|  '),
          x: cold('            -----x| '),
        };
        const expected = '   ------ax|';

        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 2))).toBe(expected);
        expectSubscriptions(inners.a.subscriptions).toBe('-^-----! ');
        expectSubscriptions(inners.x.subscriptions).toBe('--^-----!');
      });
    });

    it('should complete only after the backlog is drained', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        const heal = hot('   -(abc|)       ');
        const expected = '   --a-b-c|      ';

        const node = roundRobin({ heal });
        expectObservable(node.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });

    it('should not complete while a leaf is open, even with nothing queued or running', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        const heal = hot('   -a|      ');
        const scale = hot('  -------- ');
        const expected = '   --a----- ';

        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });

    it('should stay open over an empty node', () => {
      runMarbles(({ cold, expectObservable }) => {
        const expected = '   --------';

        expectObservable(roundRobin<string>().pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });
  });

  describe('errors', () => {
    it('should error when a projection errors, cancelling the others and unsubscribing the leaves', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a---b---|');
        const scale = hot('  --x-------');
        const leafSubs = '   ^---!     ';
        const inners = {
          a: cold('           -----a|   '),
          x: cold('            --#      '),
          b: cold('               -b|   '),
        };
        const expected = '   ----#     ';

        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 2))).toBe(expected);
        expectSubscriptions(inners.a.subscriptions).toBe('-^--!');
        expectSubscriptions(inners.x.subscriptions).toBe('--^-!');
        expectSubscriptions(inners.b.subscriptions).toBe([]);
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
      });
    });

    it('should error when a leaf errors, cancelling the active projections', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a---b---|');
        const scale = hot('  ----#     ');
        const leafSubs = '   ^---!     ';
        const inner = cold('  -----a|  ');
        const innerSubs = '  -^--!     ';
        const expected = '   ----#     ';

        const node = roundRobin({ heal, scale });
        expectObservable(node.pipe(fairMergeMap(() => inner, 1))).toBe(expected);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
      });
    });
  });

  describe('unsubscription', () => {
    it('should cancel active projections and unsubscribe every leaf', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // b is still queued at frame 6: it is never started.
        const heal = hot('   -a-b------|');
        const scale = hot('  --x-------|');
        const unsub = '      ^-----!    ';
        const leafSubs = '   ^-----!    ';
        const inners = {
          a: cold('           -a-----|  '),
          x: cold('            --x----| '),
          b: cold('             -b|     '),
        };
        const expected = '   --a-x-     ';

        const node = roundRobin({ heal, scale });
        const result = node.pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 2));
        expectObservable(result, unsub).toBe(expected);
        expectSubscriptions(inners.a.subscriptions).toBe('-^----!');
        expectSubscriptions(inners.x.subscriptions).toBe('--^---!');
        expectSubscriptions(inners.b.subscriptions).toBe([]);
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
      });
    });

    it('should unsubscribe nested leaves and projections when a downstream take completes', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const c1vm1 = hot('  -a-b----|');
        const c2vm1 = hot('  --x-----|');
        const leafSubs = '   ^---!    ';
        const inner = cold('  -v|     ');
        const expected = '   --a-(x|) ';

        const cloud = roundRobin({ compute1: roundRobin({ vm1: c1vm1 }), compute2: roundRobin({ vm1: c2vm1 }) });
        const result = cloud.pipe(
          fairMergeMap((v) => inner.pipe(map(() => v)), 1),
          take(2),
        );
        expectObservable(result).toBe(expected);
        expectSubscriptions(inner.subscriptions).toBe(['-^-!', '---^!']);
        expectSubscriptions(c1vm1.subscriptions).toBe(leafSubs);
        expectSubscriptions(c2vm1.subscriptions).toBe(leafSubs);
      });
    });
  });

  describe('synchronous sources', () => {
    it('should stop pulling a synchronous source once the output is unsubscribed', () => {
      let pulled = 0;
      runMarbles(({ expectObservable }) => {
        // Like mergeMap: take(1) closes the chain at the first value, so the source is asked for no more
        // (an endless synchronous source must not hang, nor fill the queue).
        const events = of('a', 'b', 'c', 'd').pipe(tap(() => pulled++));
        const expected = '(a|)';

        expectObservable(
          events.pipe(
            fairMergeMap((v) => of(v), 1),
            take(1),
          ),
        ).toBe(expected);
      });
      expect(pulled).toBe(1);
    });

    it('should stop pulling a synchronous source once project throws', () => {
      let pulled = 0;
      runMarbles(({ expectObservable }) => {
        const events = of('a', 'b', 'c', 'd').pipe(tap(() => pulled++));
        const expected = '#';

        const project = (): Observable<string> => {
          throw new Error('cannot heal');
        };
        expectObservable(events.pipe(fairMergeMap(project, 1))).toBe(expected, undefined, new Error('cannot heal'));
      });
      expect(pulled).toBe(1);
    });

    it('should neither pull a synchronous leaf further nor subscribe the next leaves once unsubscribed', () => {
      let pulled = 0;
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = of('a', 'b', 'c').pipe(tap(() => pulled++));
        const scale = cold('-x|');
        const expected = '(a|)';

        const node = roundRobin({ heal, scale });
        expectObservable(
          node.pipe(
            fairMergeMap((v) => of(v), 1),
            take(1),
          ),
        ).toBe(expected);
        expectSubscriptions(scale.subscriptions).toBe([]);
      });
      expect(pulled).toBe(1);
    });
  });

  describe('the by option over a flat stream', () => {
    interface Job {
      readonly host: string;
      readonly vm: string;
      readonly id: string;
    }
    const jobs: Record<string, Job> = {
      w: { host: 'h1', vm: 'v1', id: 'w' },
      a: { host: 'h1', vm: 'v1', id: 'a' },
      b: { host: 'h1', vm: 'v1', id: 'b' },
      c: { host: 'h1', vm: 'v2', id: 'c' },
      d: { host: 'h1', vm: 'v2', id: 'd' },
      x: { host: 'h2', vm: 'v1', id: 'x' },
      m: { host: 'h3', vm: 'v1', id: 'm' },
    };

    it('should serve the keys in turn, not in arrival order', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // h1 floods the stream with a b c d, then h2 and h3 send one event each. a takes the free slot;
        // behind it h1, h2 and h3 alternate.
        const events = hot('  -(abcdxm)---|       ', jobs);
        const eventsSubs = '  ^-----------!       ';
        const expected = '    ---a--b--x--m--c--d|';

        const result = events.pipe(
          fairMergeMap((e) => cold('--v|', { v: e.id }), { concurrency: 1, by: (e) => [e.host] }),
        );
        expectObservable(result).toBe(expected);
        expectSubscriptions(events.subscriptions).toBe(eventsSubs);
      });
    });

    it('should build nested levels from a longer key path', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // Paths [host, vm]: host h1 alternates with h2, and inside h1, v1 alternates with v2.
        const events = hot('  w(abcx)---|', jobs);
        const expected = '    -w-a-x-c-b|';

        const by = (e: Job) => [e.host, e.vm];
        expectObservable(events.pipe(fairMergeMap((e) => cold('-v|', { v: e.id }), { concurrency: 1, by }))).toBe(
          expected,
        );
      });
    });

    it('should error when by throws, and unsubscribe the source', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const events = hot('  -a-b---|', jobs);
        const eventsSubs = '  ^--!    ';
        const expected = '    --a#    ';
        const by = (e: Job) => {
          if (e.id === 'b') throw new Error('no key for b');
          return [e.host];
        };

        const result = events.pipe(fairMergeMap((e) => cold('-v|', { v: e.id }), { concurrency: 1, by }));
        expectObservable(result).toBe(expected, undefined, new Error('no key for b'));
        expectSubscriptions(events.subscriptions).toBe(eventsSubs);
      });
    });

    it('should error with a TypeError when by returns no array', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        const events = hot('  -a---|', jobs);
        const expected = '    -#    ';

        const by = (e: Job) => e.host as unknown as readonly unknown[];
        const result = events.pipe(fairMergeMap((e) => cold('-v|', { v: e.id }), { concurrency: 1, by }));
        expectObservable(result).toBe(
          expected,
          undefined,
          new TypeError('Expected `by` to return a non-empty array, got "h1" for [object Object]'),
        );
      });
    });
  });

  describe('FIFO without by', () => {
    it('should dispatch a plain stream in arrival order', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // The same stream as "should serve the keys in turn": without keys, x and m wait for all of h1.
        const events = hot('  -(abcdxm)---|       ');
        const expected = '    ---a--b--c--d--x--m|';

        expectObservable(events.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });

    it('should be FIFO on a node that is piped through another operator first', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // Only a roundRobin node piped straight into fairMergeMap is pulled in rotation; here merge() hides it.
        const noisy = hot('  -(abcdef)-------|  ');
        const quiet = hot('  ----q-----------|  ');
        const expected = '   --a-b-c-d-e-f-q-|  ';

        const merged: Observable<string> = merge(roundRobin({ noisy }), roundRobin({ quiet }));
        expectObservable(merged.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });
  });

  describe('re-entrancy', () => {
    it('should dispatch events that a projection pushes while it is being dispatched', () => {
      runMarbles(({ hot, expectObservable }) => {
        // project(x) pushes a and b into heal and completes it, synchronously; they are dispatched right after x.
        const heal = new Subject<string>();
        const scale = hot('  -x-----|');
        const expected = '   -(xab)-|';

        const project = (v: string) => {
          if (v === 'x') {
            heal.next('a');
            heal.next('b');
            heal.complete();
          }
          return [v];
        };
        expectObservable(roundRobin({ heal, scale }).pipe(fairMergeMap(project, 1))).toBe(expected);
      });
    });
  });

  describe('the RxJS case list', () => {
    it('should emit nothing when the leaves never emit (never)', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = cold('  -------');
        const healSubs = '   ^------';
        const expected = '   -------';

        expectObservable(roundRobin({ heal }).pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });

    it('should complete at once when the leaves are empty (empty)', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = cold('  |');
        const scale = cold(' |');
        const expected = '   |';

        expectObservable(roundRobin({ heal, scale }).pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe('(^!)');
        expectSubscriptions(scale.subscriptions).toBe('(^!)');
      });
    });

    it('should project one event (one)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a-|   ');
        const inner = cold('  --v|  ', { v: 'healed' });
        const innerSubs = '  -^--!  ';
        const expected = '   ---v|  ';

        expectObservable(roundRobin({ heal }).pipe(fairMergeMap(() => inner, 1))).toBe(expected, { v: 'healed' });
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should emit every value of every projection (many)', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // Without a concurrency, every event starts at once, as with mergeMap.
        const heal = hot('   -a---b----|');
        const scale = hot('  --x-------|');
        const expected = '   --AXaxB-b-|';

        const result = roundRobin({ heal, scale }).pipe(
          fairMergeMap((v) => cold('-U-l|', { U: v.toUpperCase(), l: v })),
        );
        expectObservable(result).toBe(expected);
      });
    });

    it('should error when the source errors (error)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const events = hot('  -a-#   ');
        const eventsSubs = '  ^--!   ';
        const inner = cold('   -----v|');
        const innerSubs = '   -^-!   ';
        const expected = '    ---#   ';

        expectObservable(events.pipe(fairMergeMap(() => inner, 1))).toBe(expected);
        expectSubscriptions(events.subscriptions).toBe(eventsSubs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should never complete while the source never completes (never-ending)', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        const events = hot('  -a--b------');
        const expected = '    --a--b-----';

        expectObservable(events.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
      });
    });

    it('should cancel everything when unsubscribed early (early unsubscribe)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const events = hot('  -a-b----|');
        const unsub = '       ^----!   ';
        const eventsSubs = '  ^----!   ';
        const inner = cold('   -v-v-v| ');
        const innerSubs = '   -^---!   ';
        const expected = '    --a-a    ';

        expectObservable(events.pipe(fairMergeMap((v) => inner.pipe(map(() => v)), 1)), unsub).toBe(expected);
        expectSubscriptions(events.subscriptions).toBe(eventsSubs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should error with what project throws (throwing callback)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a-b----|');
        const leafSubs = '   ^--!     ';
        const innerA = cold(' -----a|');
        const innerASubs = ' -^-!     ';
        const expected = '   ---#     ';

        const project = (v: string) => {
          if (v === 'b') throw new Error('cannot heal b');
          return innerA;
        };
        // concurrency 2, so b is projected at frame 3 while a still runs.
        expectObservable(roundRobin({ heal }).pipe(fairMergeMap(project, 2))).toBe(
          expected,
          undefined,
          new Error('cannot heal b'),
        );
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(innerA.subscriptions).toBe(innerASubs);
      });
    });

    it('should pass project the index of each event in dispatch order', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // The index counts dispatches: the fair order (a, b, x, c) is not the arrival order (a, b, c, x).
        const heal = hot('   -(abc)---|        ');
        const scale = hot('  -x-------|        ');
        const expected = '   --0-1-2-3|        ';

        const node = roundRobin({ heal, scale });
        const result = node.pipe(fairMergeMap((v, i) => cold('-i|', { i: `${i}${v}` }), 1));
        expectObservable(result).toBe(expected, { 0: '0a', 1: '1b', 2: '2x', 3: '3c' });
      });
    });

    it('should run projections that complete synchronously (arrays)', () => {
      runMarbles(({ hot, expectObservable }) => {
        const heal = hot('   -(ab)---(c|)  ');
        const expected = '   -(aAbB)-(cC|) ';

        expectObservable(roundRobin({ heal }).pipe(fairMergeMap((v) => [v, v.toUpperCase()], 1))).toBe(expected);
      });
    });
  });
});
