import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { fairMergeMap, roundRobin } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * Weights and per-node caps (issue 6), read as documentation.
 *
 * - **Weights.** A child with weight `w` gets `w` turns in a row at the front of its parent's rotation, then goes
 *   to the back (weighted round-robin). It also goes to the back as soon as it runs empty. Weight 1, the default,
 *   is plain round-robin.
 * - **Caps.** A node (or a leaf) with cap `n` has at most `n` projections active below it. At its cap it leaves
 *   its parent's rotation; when one of its projections completes it rejoins at the back. The others keep every
 *   free slot busy: a cap never leaves a slot idle while something else could run.
 *
 * Each projection below emits its value 2 frames after it starts and completes a frame later (`--v|`), so a
 * slot frees 3 frames after it was taken. `testScheduler.schedule(fn, n)` calls a control method at frame `n`.
 */
describe('weights and caps', () => {
  describe('weights', () => {
    it('should give a child of weight 2 two turns in a row, then one to its sibling', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // w holds the only slot while heal and scale queue. Then heal (weight 2) serves a b, scale x, heal c d, scale y.
        const heal = hot('   w(abcd)----------------|     ');
        const scale = hot('  -(xy)------------------|     ');
        const expected = '   --w--a--b--x--c--d--y--|     ';

        const node = roundRobin({ heal, scale }, { weights: { heal: 2 } });
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });

    it('should move a weighted child to the back as soon as it runs empty', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // heal has weight 3 but only a: it goes to the back after one turn, and scale is served.
        const heal = hot('   w(a)-----------| ');
        const scale = hot('  -(xy)----------| ');
        const expected = '   --w--a--x--y---| ';

        const node = roundRobin({ heal, scale }, { weights: { heal: 3 } });
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });

    it('should apply a weight set at run time from the next turn', () => {
      runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
        // Plain alternation (a x b) until setWeight('scale', 2) at frame 8; then scale gets two turns: y z, then c.
        const heal = hot('   w(abc)------------------| ');
        const scale = hot('  -(xyz)------------------| ');
        const expected = '   --w--a--x--b--y--z--c---| ';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => node.setWeight('scale', 2), 8);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });

    it('should weigh the branches of a by tree with a function of the key path', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // Host h1 has weight 2: two of its events for each of h2's.
        const events = hot('  w(abcxy)-------------|', {
          w: ['h1', 'w'],
          a: ['h1', 'a'],
          b: ['h1', 'b'],
          c: ['h1', 'c'],
          x: ['h2', 'x'],
          y: ['h2', 'y'],
        });
        const expected = '    --w--a--b--x--c--y---|';

        const weight = (path: readonly unknown[]) => (path[0] === 'h1' ? 2 : 1);
        const result = events.pipe(
          fairMergeMap(([, id]) => cold('--v|', { v: id }), { concurrency: 1, by: ([host]) => [host], weight }),
        );
        expectObservable(result).toBe(expected);
      });
    });
  });

  describe('caps', () => {
    it('should run at most one action per VM, keeping the other slot busy with another VM', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // Projections take 5 frames here (`----v|`). vm1 (cap 1) queues heal a b and migrate m; vm2 queues x y z.
        // Concurrency 2, but vm1 never runs two at once: a and x start together. When a completes (frame 5) vm1
        // rejoins behind vm2, so y takes that slot and b the one x frees; then z and m the same way.
        const heal = hot('     (ab)---------------|');
        const migrate = hot('  m------------------|');
        const vm2 = hot('      (xyz)--------------|');
        const expected = '     ----(ax)-(yb)-(zm)-|';

        const vm1 = roundRobin({ heal, migrate }, { cap: 1 });
        const host = roundRobin({ vm1, vm2 });
        expectObservable(host.pipe(fairMergeMap((v) => cold('----v|', { v }), 2))).toBe(expected);
      });
    });

    it('should cap a Subject leaf through its parent', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // heal may have one action at a time, scale is not capped. With 3 slots a, x and y start; b waits for a.
        const heal = hot('   (ab)----------| ');
        const scale = hot('  (xy)----------| ');
        const expected = '   ----(axy)(b)--| ';

        const node = roundRobin({ heal, scale }, { caps: { heal: 1 } });
        expectObservable(node.pipe(fairMergeMap((v) => cold('----v|', { v }), 3))).toBe(expected);
      });
    });

    it('should cap per depth of a by tree: at most 2 per host and 1 per VM', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // h1 has VMs v1 (a b) and v2 (c); h2 has v1 (x). Concurrency 4: a, c and x start; b waits, since v1 of h1
        // is at its cap of 1 (and h1 at its cap of 2). When a completes, b runs.
        const events = hot('  (abcx)--------|', {
          a: ['h1', 'v1', 'a'],
          b: ['h1', 'v1', 'b'],
          c: ['h1', 'v2', 'c'],
          x: ['h2', 'v1', 'x'],
        });
        const expected = '    ----(acx)(b)--|';

        const result = events.pipe(
          fairMergeMap(([, , id]) => cold('----v|', { v: id }), {
            concurrency: 4,
            by: ([host, vm]) => [host, vm],
            caps: [2, 1],
          }),
        );
        expectObservable(result).toBe(expected);
      });
    });

    it('should let a node rejoin at the back of the rotation when one of its actions completes', () => {
      runMarbles(({ cold, hot, expectObservable }) => {
        // Concurrency 1 in all, host h1 capped at 1 as well: the cap only changes who is eligible. a runs; when it
        // completes, h1 rejoins behind h2 and h3 (which queued meanwhile): x, m, then b.
        const h1 = hot('  (ab)---------------|');
        const h2 = hot('  -x-----------------|');
        const h3 = hot('  -m-----------------|');
        const expected = '--a--x--m--b-------|';

        const cloud = roundRobin({ h1, h2, h3 }, { caps: { h1: 1 } });
        expectObservable(cloud.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      });
    });

    it('should apply a cap set at run time, and let a raised cap fill the free slots at once', () => {
      runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
        // vm1 starts with cap 1 (a runs, b c wait, 2 of 3 slots idle). setCap(3) at frame 1 starts b and c.
        const vm1 = hot('  (abc)---------| ');
        const expected = ' --a(bc)-------| ';

        const node = roundRobin({ vm1 }, { caps: { vm1: 1 } });
        testScheduler.schedule(() => node.setCap('vm1', 3), 1);
        expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 3))).toBe(expected);
      });
    });
  });

  describe('the RxJS case list', () => {
    /** heal has weight 2 and cap 1, scale neither. */
    const weightedAndCapped = <T>(heal: Observable<T>, scale: Observable<T>) =>
      roundRobin({ heal, scale }, { weights: { heal: 2 }, caps: { heal: 1 } });

    it('should emit nothing when weighted and capped leaves never emit (never)', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = cold('   -------');
        const scale = cold('  -------');
        const leafSubs = '    ^------';
        const expected = '    -------';

        expectObservable(weightedAndCapped(heal, scale).pipe(fairMergeMap((v) => cold('--v|', { v }), 2))).toBe(
          expected,
        );
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
      });
    });

    it('should complete at once when weighted and capped leaves are empty (empty)', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = cold('   |   ');
        const scale = cold('  |   ');
        const leafSubs = '    (^!)';
        const expected = '    |   ';

        expectObservable(weightedAndCapped(heal, scale).pipe(fairMergeMap((v) => cold('--v|', { v }), 2))).toBe(
          expected,
        );
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
      });
    });

    it('should dispatch one event of a capped leaf at once (one)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('    -a-|   ');
        const scale = hot('   ---|   ');
        const leafSubs = '    ^--!   ';
        const inner = cold('   --v|  ', { v: 'healed' });
        const innerSubs = '   -^--!  ';
        const expected = '    ---v|  ';

        expectObservable(weightedAndCapped(heal, scale).pipe(fairMergeMap(() => inner, 2))).toBe(expected, {
          v: 'healed',
        });
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
        expectSubscriptions(inner.subscriptions).toBe(innerSubs);
      });
    });

    it('should error when a leaf errors, cancelling the projections and unsubscribing every leaf (error)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // Concurrency 2: a and x start at once. b waits for heal's cap, not for a slot: x frees one at 3, but b
        // starts only when a completes (4). heal errors at 7 while b runs.
        const heal = hot('    ab-----#  ');
        const scale = hot('   x--------|');
        const leafSubs = '    ^------!  ';
        const inners = {
          a: cold('           ---a|     '),
          x: cold('           --x|      '),
          b: cold('               ----b|'),
        };
        const aSubs = '       ^---!     ';
        const xSubs = '       ^--!      ';
        const bSubs = '       ----^--!  ';
        const expected = '    --xa---#  ';

        const result = weightedAndCapped(heal, scale).pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 2));
        expectObservable(result).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
        expectSubscriptions(inners.a.subscriptions).toBe(aSubs);
        expectSubscriptions(inners.x.subscriptions).toBe(xSubs);
        expectSubscriptions(inners.b.subscriptions).toBe(bSubs);
      });
    });

    it('should cancel the running projections and drop the capped backlog when unsubscribed early (early unsubscribe)', () => {
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // As above, with c queued behind b for heal's cap. Unsubscribed at 6: b is cancelled, c never starts.
        const heal = hot('    abc------|');
        const scale = hot('   x--------|');
        const unsub = '       ------!   ';
        const leafSubs = '    ^-----!   ';
        const inners = {
          a: cold('           ---a|     '),
          x: cold('           --x|      '),
          b: cold('               ----b|'),
          c: cold('-c|'),
        };
        const aSubs = '       ^---!     ';
        const xSubs = '       ^--!      ';
        const bSubs = '       ----^-!   ';
        const expected = '    --xa--    ';

        const result = weightedAndCapped(heal, scale).pipe(fairMergeMap((v) => inners[v as keyof typeof inners], 2));
        expectObservable(result, unsub).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
        expectSubscriptions(inners.a.subscriptions).toBe(aSubs);
        expectSubscriptions(inners.x.subscriptions).toBe(xSubs);
        expectSubscriptions(inners.b.subscriptions).toBe(bSubs);
        expectSubscriptions(inners.c.subscriptions).toBe([]);
      });
    });

    it('should error with what weight throws when by creates a branch (throwing callback)', () => {
      const asked: unknown[][] = [];
      runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
        // weight is asked when a branch is created, and a branch only when an event is queued. a, arriving with
        // nothing queued and the slot free, skips the tree: h1 gets no branch. x waits for a: h2's branch is
        // created at 3, and weight throws there.
        const events = hot('  a--x--|', { a: ['h1', 'a'], x: ['h2', 'x'] });
        const eventsSubs = '  ^--!   ';
        const a = cold('      -----a|');
        const aSubs = '       ^--!   ';
        const expected = '    ---#   ';

        const weight = (path: readonly unknown[]) => {
          asked.push([...path]);
          if (path[0] === 'h2') throw new Error('no weight for h2');
          return 2;
        };
        const result = events.pipe(fairMergeMap(() => a, { concurrency: 1, by: ([host]) => [host], weight }));
        expectObservable(result).toBe(expected, undefined, new Error('no weight for h2'));
        expectSubscriptions(events.subscriptions).toBe(eventsSubs);
        expectSubscriptions(a.subscriptions).toBe(aSubs);
      });
      expect(asked).toEqual([['h2']]);
    });
  });
});
