import { EMPTY, NEVER } from 'rxjs';
import { describe, it } from 'vitest';
import { fairMergeMap, roundRobin } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * Cost-aware slots (issue 6): `fairMergeMap(project, { concurrency, cost })`. An event takes `cost(event)` of the
 * `concurrency` slots while its projection runs: an expensive migration counts as 3, a heal as 1.
 *
 * - The next event is still picked in rotation order, and only when a slot frees. If it costs more than the free
 *   slots it is **held** until enough are free. Nothing is picked meanwhile, so nothing overtakes it: the order
 *   is the plain rotation order, and an expensive event never starves behind cheap ones.
 * - A cost above `concurrency` counts as `concurrency`: the event runs alone.
 * - Per-node caps still count events, not slots.
 *
 * Capital letters are the expensive events. Projections emit their value after a few frames and complete.
 */
describe('fairMergeMap with cost', () => {
  /** Capital letters cost `n`, the others 1. */
  const costs = (n: number) => (v: string) => (v === v.toUpperCase() ? n : 1);

  it('should hold an expensive event until enough slots are free, and let nothing overtake it', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // Concurrency 3. a b c take the three slots at once; d and M queue. When a completes (frame 5) heal's d
      // takes its slot; when b completes migrate's M is picked, but it costs 3 and only 1 slot is free: it is
      // held. e arrives meanwhile and waits behind it, although a slot is free. M starts once d completed
      // (frame 10), runs alone, then e.
      const heal = hot('    (abcd)e-----|        ');
      const migrate = hot(' -M----------|        ');
      const leafSubs = '    ^-----------!        ';
      const inners = {
        a: cold('           ----a|               '),
        b: cold('           ----b|               '),
        c: cold('           ----c|               '),
        d: cold('                ----d|          '),
        M: cold('                     ----M|     '),
        e: cold('                          ----e|'),
      };
      const abcSubs = '     ^----!               ';
      const dSubs = '       -----^----!          ';
      const MSubs = '       ----------^----!     ';
      const eSubs = '       ---------------^----!';
      const expected = '    ----(abc)d----M----e|';

      const node = roundRobin({ heal, migrate });
      const result = node.pipe(
        fairMergeMap((v: string) => inners[v as keyof typeof inners], { concurrency: 3, cost: costs(3) }),
      );
      expectObservable(result).toBe(expected);
      for (const v of ['a', 'b', 'c'] as const) expectSubscriptions(inners[v].subscriptions).toBe(abcSubs);
      expectSubscriptions(inners.d.subscriptions).toBe(dSubs);
      expectSubscriptions(inners.M.subscriptions).toBe(MSubs);
      expectSubscriptions(inners.e.subscriptions).toBe(eSubs);
      expectSubscriptions(heal.subscriptions).toBe(leafSubs);
      expectSubscriptions(migrate.subscriptions).toBe(leafSubs);
    });
  });

  it('should keep the rotation order of a by tree: the free slot waits for the held event', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // Concurrency 2, keyed by host. a (h1) and b (h2) take both slots; M (h1, cost 2), c (h2) and d (h1) queue.
      // At frame 4 a completes and h1's M is picked: one slot is free, M needs 2, so it is held, and c (h2) does
      // not take the free slot. When b completes (frame 6) M runs; after it h2 and h1 are served in turn: c, d.
      const events = hot('  (abMcd)|', {
        a: ['h1', 'a'],
        b: ['h2', 'b'],
        M: ['h1', 'M'],
        c: ['h2', 'c'],
        d: ['h1', 'd'],
      });
      const projections: Record<string, string> = {
        a: '----(a|)',
        b: '------(b|)',
        M: '----(M|)',
        c: '----(c|)',
        d: '----(d|)',
      };
      const expected = '    ----a-b---M---(cd|)';

      const result = events.pipe(
        fairMergeMap(([, id]) => cold(projections[id as string] as string), {
          concurrency: 2,
          by: ([host]) => [host],
          cost: ([, id]) => (id === 'M' ? 2 : 1),
        }),
      );
      expectObservable(result).toBe(expected);
    });
  });

  it('should count a cost above concurrency as concurrency: the event runs alone once every slot is free', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // A plain stream (first in, first out), concurrency 2. M costs 10, counted as 2: it arrives with a slot free
      // but a still running, so it is held; b queues behind it.
      const source = hot('  aMb---|   ');
      const sourceSubs = '  ^-----!   ';
      const expected = '    --a--M--b|';

      const result = source.pipe(fairMergeMap((v) => cold('--v|', { v }), { concurrency: 2, cost: costs(10) }));
      expectObservable(result).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
    });
  });

  it('should count events, not slots, against per-node caps', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // Concurrency 5, at most 2 events per host. h1's M (cost 3) and a run: h1 is at its cap of 2 events while
      // it holds 4 slots. b (h1) waits for the cap, not for slots; x (h2) takes the fifth slot.
      const events = hot('  (Mabx)|', { M: ['h1', 'M'], a: ['h1', 'a'], b: ['h1', 'b'], x: ['h2', 'x'] });
      const expected = '    -----(Max)(b|)';

      const result = events.pipe(
        fairMergeMap(([, id]) => cold('-----(v|)', { v: id }), {
          concurrency: 5,
          by: ([host]) => [host],
          caps: [2],
          cost: ([, id]) => (id === 'M' ? 3 : 1),
        }),
      );
      expectObservable(result).toBe(expected);
    });
  });

  it('should start one expensive event at once when every slot is free', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // Concurrency 2, M costs 3, counted as 2: both slots are free when it arrives, so it is not held.
      const migrate = hot(' -M-|  ');
      const migrateSubs = ' ^--!  ';
      const M = cold('       --M| ');
      const MSubs = '       -^--! ';
      const expected = '    ---M| ';

      const result = roundRobin({ migrate }).pipe(fairMergeMap(() => M, { concurrency: 2, cost: costs(3) }));
      expectObservable(result).toBe(expected);
      expectSubscriptions(migrate.subscriptions).toBe(migrateSubs);
      expectSubscriptions(M.subscriptions).toBe(MSubs);
    });
  });

  it('should error when a leaf errors, cancelling the running projection and never starting the held event', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // Concurrency 2. a takes one slot; M (cost 2) arrives with one slot free and is held. heal errors at 3.
      const heal = hot('    aM-#    ');
      const healSubs = '    ^--!    ';
      const inners = { a: cold('-----a|'), M: cold('-M|') };
      const aSubs = '       ^--!    ';
      const expected = '    ---#    ';

      const result = roundRobin({ heal }).pipe(
        fairMergeMap((v: string) => inners[v as keyof typeof inners], { concurrency: 2, cost: costs(2) }),
      );
      expectObservable(result).toBe(expected);
      expectSubscriptions(heal.subscriptions).toBe(healSubs);
      expectSubscriptions(inners.a.subscriptions).toBe(aSubs);
      expectSubscriptions(inners.M.subscriptions).toBe([]);
    });
  });

  it('should complete at once over an empty stream, and never over a never-ending one', () => {
    runMarbles(({ cold, expectObservable }) => {
      expectObservable(
        EMPTY.pipe(fairMergeMap((v: string) => cold('-v|', { v }), { concurrency: 2, cost: costs(2) })),
      ).toBe('|');
      expectObservable(
        NEVER.pipe(fairMergeMap((v: string) => cold('-v|', { v }), { concurrency: 2, cost: costs(2) })),
      ).toBe('');
    });
  });

  it('should error the output when cost throws, cancelling the running projections and unsubscribing the leaves', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const heal = hot('    a-b----|');
      const healSubs = '    ^-!     ';
      const a = cold('      -----a| ');
      const aSubs = '       ^-!     ';
      const expected = '    --#     ';

      const cost = (v: string): number => {
        if (v === 'b') throw new Error('no cost for b');
        return 1;
      };
      const result = roundRobin({ heal }).pipe(fairMergeMap(() => a, { concurrency: 2, cost }));
      expectObservable(result).toBe(expected, undefined, new Error('no cost for b'));
      expectSubscriptions(heal.subscriptions).toBe(healSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
    });
  });

  it('should error the output when cost answers something other than a positive integer', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      const source = hot('  a-b----|');
      const expected = '    -a#     ';

      const result = source.pipe(
        fairMergeMap((v) => cold('-v|', { v }), { concurrency: 2, cost: (v) => (v === 'b' ? 0 : 1) }),
      );
      expectObservable(result).toBe(
        expected,
        undefined,
        new TypeError('Expected `cost` to return a positive integer, got 0 for "b"'),
      );
    });
  });

  it('should drop the held event with the subscription on early unsubscribe', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // M is held behind a when the output is unsubscribed at frame 3: M never starts, a is cancelled.
      const heal = hot('    aM------|');
      const unsub = '       ---!     ';
      const healSubs = '    ^--!     ';
      const inners = { a: cold('-----a|'), M: cold('-M|') };
      const expected = '    ---      ';

      const result = roundRobin({ heal }).pipe(
        fairMergeMap((v: string) => inners[v as keyof typeof inners], { concurrency: 2, cost: costs(2) }),
      );
      expectObservable(result, unsub).toBe(expected);
      expectSubscriptions(heal.subscriptions).toBe(healSubs);
      expectSubscriptions(inners.a.subscriptions).toBe('^--!');
      expectSubscriptions(inners.M.subscriptions).toBe([]);
    });
  });
});
