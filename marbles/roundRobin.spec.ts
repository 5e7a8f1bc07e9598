import { of, take, tap, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { roundRobin } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * `roundRobin(children)` subscribed directly, without `fairMergeMap`.
 *
 * With no consumer to wait for, there is nothing to be fair about: the node emits each event the moment a leaf
 * emits it. What the node adds over `merge` is control: `pause` holds a child's events until `resume`, `add`
 * and `delete` change the children mid-stream (`delete` hands back what was held), and an empty node stays open.
 * For the fair, back-pressured order, see `fairMergeMap.spec.ts`.
 *
 * Each frame below is one virtual millisecond; `testScheduler.schedule(fn, n)` calls a control method at
 * frame `n`, before the marble events of that frame.
 */
describe('roundRobin', () => {
  describe('subscribed directly', () => {
    it('should emit the one event of a single leaf, and complete with it', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = cold('  --a--|   ');
        const healSubs = '   ^----!   ';
        const expected = '   --a--|   ';

        expectObservable(roundRobin({ heal })).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });

    it('should emit each event as it arrives, like merge', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a---c---|    ');
        const healSubs = '   ^--------!    ';
        const scale = hot('  ---b---d---|  ');
        const scaleSubs = '  ^----------!  ';
        const expected = '   -a-b-c-d---|  ';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
      });
    });

    it('should emit events of the same frame in the order they arrive', () => {
      runMarbles(({ hot, expectObservable }) => {
        // `heal` was created first, so its events of frame 1 arrive first. No rotation: nothing waits.
        const heal = hot('   -(ab|)   ');
        const scale = hot('  -(xy|)   ');
        const expected = '   -(abxy|) ';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
      });
    });

    it('should emit the events of nested nodes as they arrive', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const c1vm1 = hot('  -a-----|  ');
        const c1vm2 = hot('  ---b---|  ');
        const c2vm1 = hot('  --x----|  ');
        const c2vm2 = hot('  ----y--|  ');
        const leafSubs = '   ^------!  ';
        const expected = '   -axby--|  ';

        const compute1 = roundRobin({ vm1: c1vm1, vm2: c1vm2 });
        const compute2 = roundRobin({ vm1: c2vm1, vm2: c2vm2 });
        expectObservable(roundRobin({ compute1, compute2 })).toBe(expected);
        for (const leaf of [c1vm1, c1vm2, c2vm1, c2vm2]) expectSubscriptions(leaf.subscriptions).toBe(leafSubs);
      });
    });

    it('should accept a Map of children with any keys', () => {
      runMarbles(({ hot, expectObservable }) => {
        const one = hot('    -a--|  ');
        const two = hot('    --b---|');
        const expected = '   -ab---|';

        const node = roundRobin(
          new Map([
            [1, one],
            [2, two],
          ]),
        );
        expectObservable(node).toBe(expected);
        expect([...node.keys()]).toEqual([1, 2]);
      });
    });
  });

  describe('pause and resume', () => {
    it("should hold a paused child's events until resume, then emit them in arrival order", () => {
      runMarbles(({ hot, expectObservable, testScheduler }) => {
        const heal = hot('   -a-----b------| ');
        const scale = hot('  --x--y--z-----| ');
        //                      ^ pause('scale') at frame 3
        //                            ^ resume('scale') at frame 9 emits y and z, held since frames 5 and 8
        const expected = '   -ax----b-(yz)-| ';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => node.pause('scale'), 3);
        testScheduler.schedule(() => node.resume('scale'), 9);
        expectObservable(node).toBe(expected);
      });
    });

    it('should wait for held events before it completes', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions, testScheduler }) => {
        const heal = hot('   -a--|         ');
        const scale = hot('  --x|          ');
        const leafSubs = '   ^--!          ';
        const healSubs = '   ^---!         ';
        // Every leaf completed by frame 4, but `x` is held: the node completes once resume has emitted it.
        const expected = '   -a-------(x|) ';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => node.pause('scale'), 1);
        testScheduler.schedule(() => node.resume('scale'), 9);
        expectObservable(node).toBe(expected);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });

    it('should keep a pause given before the subscription', () => {
      runMarbles(({ hot, expectObservable, testScheduler }) => {
        const heal = hot('   -a-b---|   ');
        const scale = hot('  --x----|   ');
        const expected = '   -a-b----(x|)';

        const node = roundRobin({ heal, scale }).pause('scale');
        testScheduler.schedule(() => node.resume('scale'), 8);
        expectObservable(node).toBe(expected);
      });
    });

    it('should hold every event below a paused nested node', () => {
      runMarbles(({ hot, expectObservable, testScheduler }) => {
        const c1vm1 = hot('  -a-----------|');
        const c2vm1 = hot('  --x---z------|');
        const c2vm2 = hot('  ---y---------|');
        // compute2 is in MAINTENANCE until frame 8: x, y and z wait, then come out in compute2's rotation order.
        const expected = '   -a------(xyz)|';

        const compute1 = roundRobin({ vm1: c1vm1 });
        const compute2 = roundRobin({ vm1: c2vm1, vm2: c2vm2 });
        const cloud = roundRobin({ compute1, compute2 });
        cloud.pause('compute2');
        testScheduler.schedule(() => cloud.resume('compute2'), 8);
        expectObservable(cloud).toBe(expected);
      });
    });
  });

  describe('completion', () => {
    it('should complete when every leaf has completed', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a-|     ');
        const healSubs = '   ^--!     ';
        const scale = hot('  ---b---| ');
        const scaleSubs = '  ^------! ';
        const expected = '   -a-b---| ';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
      });
    });

    it('should complete at once when every leaf is empty', () => {
      runMarbles(({ cold, expectObservable }) => {
        const heal = cold('  |');
        const scale = cold(' |');
        const expected = '   |';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
      });
    });

    it('should stay open when it has no children, waiting for add', () => {
      runMarbles(({ expectObservable }) => {
        const expected = '   ------';

        expectObservable(roundRobin()).toBe(expected);
      });
    });

    it('should stay open when its children are empty nodes', () => {
      runMarbles(({ expectObservable }) => {
        const expected = '   ------';

        expectObservable(roundRobin({ compute1: roundRobin(), compute2: roundRobin() })).toBe(expected);
      });
    });

    it('should never complete while a leaf never completes', () => {
      runMarbles(({ hot, expectObservable }) => {
        const heal = hot('   -a-|     ');
        const scale = hot('  --b----- ');
        const expected = '   -ab----- ';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
      });
    });

    it('should emit nothing while its leaves emit nothing', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        const heal = cold('  -------');
        const leafSubs = '   ^------';
        const expected = '   -------';

        expectObservable(roundRobin({ heal })).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
      });
    });
  });

  describe('errors', () => {
    it('should error when a leaf errors, and unsubscribe the other leaves', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a--#   ');
        const scale = hot('  --b----c');
        const leafSubs = '   ^---!   ';
        const expected = '   -ab-#   ';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(leafSubs);
        expectSubscriptions(scale.subscriptions).toBe(leafSubs);
      });
    });

    it('should not subscribe the next leaves when a leaf errors during the subscription', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        // Like merge: once the output has errored, nothing more is subscribed.
        const heal = throwError(() => new Error('heal failed'));
        const scale = cold('-x|');
        const expected = '#';

        expectObservable(roundRobin<string>({ heal, scale })).toBe(expected, undefined, new Error('heal failed'));
        expectSubscriptions(scale.subscriptions).toBe([]);
      });
    });

    it('should error when a nested leaf errors, with that error', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const c1vm1 = hot('  -a------');
        const c2vm1 = hot('  ---#    ', undefined, new Error('compute2 unreachable'));
        const leafSubs = '   ^--!    ';
        const expected = '   -a-#    ';

        const cloud = roundRobin({ compute1: roundRobin({ vm1: c1vm1 }), compute2: roundRobin({ vm1: c2vm1 }) });
        expectObservable(cloud).toBe(expected, undefined, new Error('compute2 unreachable'));
        expectSubscriptions(c1vm1.subscriptions).toBe(leafSubs);
        expectSubscriptions(c2vm1.subscriptions).toBe(leafSubs);
      });
    });
  });

  describe('unsubscription', () => {
    it('should unsubscribe every leaf, nested ones included, when unsubscribed early', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a---b---|');
        const c1vm1 = hot('  --x---y--|');
        const c1vm2 = hot('  ---z---w-|');
        const unsub = '      ^---!     ';
        const leafSubs = '   ^---!     ';
        const expected = '   -axz-     ';

        const node = roundRobin({ heal, compute1: roundRobin({ vm1: c1vm1, vm2: c1vm2 }) });
        expectObservable(node, unsub).toBe(expected);
        for (const leaf of [heal, c1vm1, c1vm2]) expectSubscriptions(leaf.subscriptions).toBe(leafSubs);
      });
    });

    it('should unsubscribe a leaf as soon as it completes', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        const heal = hot('   -a|      ');
        const healSubs = '   ^-!      ';
        const scale = hot('  ---b-----');
        const unsub = '      ^-----!  ';
        const scaleSubs = '  ^-----!  ';
        const expected = '   -a-b--   ';

        expectObservable(roundRobin({ heal, scale }), unsub).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
      });
    });
  });

  describe('synchronous leaves', () => {
    it('should emit the events of a synchronous leaf during the subscription', () => {
      runMarbles(({ cold, expectObservable }) => {
        const heal = of('a', 'b');
        const scale = cold(' -----x|');
        const expected = '   (ab)-x|';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
      });
    });

    it('should wait for the leaves after a leaf that completes during the subscription', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions }) => {
        // heal is EMPTY-like: it completes before scale is even subscribed. The node must still wait for scale.
        const heal = of<string>();
        const scale = hot('  --x--|');
        const scaleSubs = '  ^----!';
        const expected = '   --x--|';

        expectObservable(roundRobin({ heal, scale })).toBe(expected);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
      });
    });

    it('should wait for every leaf of an added node when its first leaf completes at once', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions, testScheduler }) => {
        const vm1 = of('a');
        const vm2 = cold('     --b|');
        const vm2Subs = '    --^--!';
        const expected = '   --a-b|';

        const cloud = roundRobin<string>();
        testScheduler.schedule(() => cloud.add('compute1', roundRobin({ vm1, vm2 })), 2);
        expectObservable(cloud).toBe(expected);
        expectSubscriptions(vm2.subscriptions).toBe(vm2Subs);
      });
    });

    it('should neither pull a synchronous leaf further nor subscribe the next leaves once unsubscribed', () => {
      let pulled = 0;
      runMarbles(({ cold, expectObservable, expectSubscriptions }) => {
        // Like merge: take(1) closes the chain at a, so heal is asked for nothing more and scale is never
        // subscribed (an endless synchronous leaf must not hang).
        const heal = of('a', 'b', 'c').pipe(tap(() => pulled++));
        const scale = cold('-x|');
        const expected = '(a|)';

        expectObservable(roundRobin({ heal, scale }).pipe(take(1))).toBe(expected);
        expectSubscriptions(scale.subscriptions).toBe([]);
      });
      expect(pulled).toBe(1);
    });
  });

  describe('add and delete mid-stream', () => {
    it('should subscribe a child added mid-stream and emit its events', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions, testScheduler }) => {
        const heal = hot('   -a---b---| ');
        const healSubs = '   ^--------! ';
        const scale = hot('  -x-y---z---|');
        const scaleSubs = '  --^--------!';
        const expected = '   -a-y-b-z---|';

        const node = roundRobin({ heal });
        testScheduler.schedule(() => node.add('scale', scale), 2);
        expectObservable(node).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
      });
    });

    it('should emit from a child added to an empty node, and complete with it', () => {
      runMarbles(({ cold, expectObservable, expectSubscriptions, testScheduler }) => {
        const heal = cold('    -a-|');
        const healSubs = '   --^--!';
        const expected = '   ---a-|';

        const node = roundRobin<string>();
        testScheduler.schedule(() => node.add('heal', heal), 2);
        expectObservable(node).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
      });
    });

    it('should subscribe the leaves of a node added mid-stream', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions, testScheduler }) => {
        const c1vm1 = hot('  -a------|');
        const c2vm1 = hot('  -x--y---|');
        const c2vm2 = hot('  --z--w--|');
        const addedSubs = '  ---^----!';
        const expected = '   -a--yw--|';

        const cloud = roundRobin({ compute1: roundRobin({ vm1: c1vm1 }) });
        const compute2 = roundRobin({ vm1: c2vm1, vm2: c2vm2 });
        testScheduler.schedule(() => cloud.add('compute2', compute2), 3);
        expectObservable(cloud).toBe(expected);
        expectSubscriptions(c2vm1.subscriptions).toBe(addedSubs);
        expectSubscriptions(c2vm2.subscriptions).toBe(addedSubs);
      });
    });

    it('should unsubscribe a deleted child and hand back the events it held', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions, testScheduler }) => {
        const heal = hot('   -a----b---| ');
        const healSubs = '   ^---------! ';
        const scale = hot('  --x-yz--w--|');
        const scaleSubs = '  ^-----!     ';
        // scale is paused at frame 3, so y and z are held when it is deleted at frame 6: delete returns them,
        // and they are never emitted. x went out before the pause; w comes after the delete.
        const expected = '   -ax---b---| ';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => node.pause('scale'), 3);
        testScheduler.schedule(() => {
          expect(node.size).toBe(2);
          expect(node.delete('scale')).toEqual(['y', 'z']);
          expect(node.has('scale')).toBe(false);
          expect(node.size).toBe(0);
        }, 6);
        expectObservable(node).toBe(expected);
        expectSubscriptions(heal.subscriptions).toBe(healSubs);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
      });
    });

    it('should hand back the held events of every leaf below a deleted node', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions, testScheduler }) => {
        const c1vm1 = hot('  -a------|');
        const c2vm1 = hot('  --x-y---|');
        const c2vm2 = hot('  ---z----|');
        const deletedSubs = '^----!   ';
        const expected = '   -a------|';

        const cloud = roundRobin({
          compute1: roundRobin({ vm1: c1vm1 }),
          compute2: roundRobin({ vm1: c2vm1, vm2: c2vm2 }),
        });
        cloud.pause('compute2');
        // In key order, each leaf oldest first.
        testScheduler.schedule(() => expect(cloud.delete('compute2')).toEqual(['x', 'y', 'z']), 5);
        expectObservable(cloud).toBe(expected);
        expectSubscriptions(c2vm1.subscriptions).toBe(deletedSubs);
        expectSubscriptions(c2vm2.subscriptions).toBe(deletedSubs);
      });
    });

    it('should complete when the only open leaf is deleted and the others have completed', () => {
      runMarbles(({ hot, expectObservable, expectSubscriptions, testScheduler }) => {
        const heal = hot('   -a-|      ');
        const scale = hot('  --x----y--');
        const scaleSubs = '  ^----!    ';
        const expected = '   -ax--|    ';

        const node = roundRobin({ heal, scale });
        testScheduler.schedule(() => expect(node.delete('scale')).toEqual([]), 5);
        expectObservable(node).toBe(expected);
        expectSubscriptions(scale.subscriptions).toBe(scaleSubs);
      });
    });
  });
});
