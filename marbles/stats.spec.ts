import { describe, it } from 'vitest';
import { FairStats, fairMergeMap, roundRobin, type FairSnapshot } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * Live stats (issue 6, feature 5), read as documentation.
 *
 * `new FairStats({ now: () => testScheduler.now() })` is given to `fairMergeMap` (`{ stats }`);
 * `stats.snapshots(notifier)` emits one `FairSnapshot` per notifier emission, covering the window since the
 * previous one (the first: since the subscription). Waits are dispatch time minus arrival time in the leaf, in
 * frames here. Only what happens while a `snapshots` subscription is live is timed and counted.
 *
 * A snapshot taken in the frame where a projection completes sees it still running: the notifier's emission was
 * scheduled first. Every figure of each snapshot is spelled out below.
 */
describe('FairStats', () => {
  const wait = (count: number, p50: number, p90: number, p99: number, max: number) => ({ count, p50, p90, p99, max });

  it('should emit a snapshot per notifier emission with queued, active, dispatched and waits per host', () => {
    runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
      // By host: a b of h1, x of h2, all in frame 0, concurrency 1. a takes the slot; b joins h1's leaf before x
      // creates h2, so h1 comes first again: a (0), b (3), x (6). The notifier fires at 4 and at 10.
      const events = hot('  (abx)-----------|', { a: ['h1', 'a'], b: ['h1', 'b'], x: ['h2', 'x'] });
      const notifier = hot('----n-----n-----|');
      const output = '      --a--b--x-------|';
      const snapshots = '   ----s-----t-----|';

      const stats = new FairStats<string[]>({ now: () => testScheduler.now() });
      const result = events.pipe(
        fairMergeMap(([, id]) => cold('--v|', { v: id }), { concurrency: 1, by: ([host]) => [host], stats }),
      );
      expectObservable(result).toBe(output);
      expectObservable(stats.snapshots(notifier)).toBe(snapshots, {
        // Window 0-4: a (wait 0) and b (wait 3) dispatched, b running, x queued. Only h1 got dispatches: both
        // hosts were busy, so Jain's index is (2 + 0)² / (2 · (4 + 0)) = 0.5.
        s: {
          time: 4,
          since: 0,
          totals: { queued: 1, active: 1, dispatched: 2, wait: wait(2, 0, 3, 3, 3) },
          keys: [
            {
              key: 'h1',
              queued: 0,
              active: 1,
              paused: false,
              dispatched: 2,
              weight: 1,
              busy: true,
              wait: wait(2, 0, 3, 3, 3),
            },
            { key: 'h2', queued: 1, active: 0, paused: false, dispatched: 0, weight: 1, busy: true, wait: null },
          ],
          fairness: 0.5,
        },
        // Window 4-10: x dispatched at 6 after waiting 6 frames. h1 had b running at 4 but nothing queued: it
        // wanted no dispatch, so it is not busy. It finished at 6 and left the tree, so it is not listed.
        t: {
          time: 10,
          since: 4,
          totals: { queued: 0, active: 0, dispatched: 1, wait: wait(1, 6, 6, 6, 6) },
          keys: [
            {
              key: 'h2',
              queued: 0,
              active: 0,
              paused: false,
              dispatched: 1,
              weight: 1,
              busy: true,
              wait: wait(1, 6, 6, 6, 6),
            },
          ],
          fairness: 1,
        },
      } satisfies Record<string, FairSnapshot>);
    });
  });

  it('should list nested nodes to the depth asked, with queued and active per node', () => {
    runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
      // A roundRobin tree: h1 with VMs v1 (a b) and v2 (c), h2 with v1 (x). Concurrency 2, projections 5 frames.
      // In frame 0, a and b arrive first and take the two free slots at once; c and x wait for them. So in the
      // window 0-2 h1 got both dispatches and h2 none: Jain's index (2 + 0)² / (2 · (4 + 0)) = 0.5.
      const h1v1 = hot('   (ab)----------|');
      const h1v2 = hot('   c-------------|');
      const h2v1 = hot('   x-------------|');
      const notifier = hot('--n-----------|');
      const output = '     ----(ab)-(cx)-|';
      const snapshots = '  --s-----------|';

      const cloud = roundRobin({ h1: roundRobin({ v1: h1v1, v2: h1v2 }), h2: roundRobin({ v1: h2v1 }) });
      const stats = new FairStats({ now: () => testScheduler.now(), depth: 2 });
      expectObservable(cloud.pipe(fairMergeMap((v) => cold('----v|', { v }), { concurrency: 2, stats }))).toBe(output);
      expectObservable(stats.snapshots(notifier)).toBe(snapshots, {
        s: {
          time: 2,
          since: 0,
          totals: { queued: 2, active: 2, dispatched: 2, wait: wait(2, 0, 0, 0, 0) },
          keys: [
            {
              key: 'h1',
              queued: 1,
              active: 2,
              paused: false,
              dispatched: 2,
              weight: 1,
              busy: true,
              wait: wait(2, 0, 0, 0, 0),
              children: [
                { key: 'v1', queued: 0, active: 2, paused: false },
                { key: 'v2', queued: 1, active: 0, paused: false },
              ],
            },
            {
              key: 'h2',
              queued: 1,
              active: 0,
              paused: false,
              dispatched: 0,
              weight: 1,
              busy: true,
              wait: null,
              children: [{ key: 'v1', queued: 1, active: 0, paused: false }],
            },
          ],
          fairness: 0.5,
        },
      } satisfies Record<string, FairSnapshot>);
    });
  });

  it("should divide dispatches by weight in Jain's index, and leave paused keys out of it", () => {
    runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
      // heal has weight 2, concurrency 1, projections 3 frames. a takes the free slot at frame 0; then heal's two
      // turns b (3) and c (6), scale's x (9). At frame 12 (before x completes) heal had 3 dispatches, scale 1:
      // x = 3/2 and 1/1, so Jain's index is 2.5² / (2 · (2.25 + 1)) = 25/26. migrate is paused with m queued:
      // not busy, so not counted.
      const heal = hot('    (abcdef)-------------|');
      const scale = hot('   (xyz)----------------|');
      const migrate = hot(' m--------------------|');
      const notifier = hot('------------n--------|');
      const snapshots = '   ------------s--------|';

      const node = roundRobin({ heal, scale, migrate }, { weights: { heal: 2 } });
      node.pause('migrate');
      const stats = new FairStats({ now: () => testScheduler.now() });
      node.pipe(fairMergeMap((v) => cold('--v|', { v }), { concurrency: 1, stats })).subscribe();
      expectObservable(stats.snapshots(notifier)).toBe(snapshots, {
        s: {
          time: 12,
          since: 0,
          totals: { queued: 6, active: 1, dispatched: 4, wait: wait(4, 3, 9, 9, 9) },
          keys: [
            {
              key: 'heal',
              queued: 3,
              active: 0,
              paused: false,
              dispatched: 3,
              weight: 2,
              busy: true,
              wait: wait(3, 3, 6, 6, 6),
            },
            {
              key: 'scale',
              queued: 2,
              active: 1,
              paused: false,
              dispatched: 1,
              weight: 1,
              busy: true,
              wait: wait(1, 9, 9, 9, 9),
            },
            { key: 'migrate', queued: 1, active: 0, paused: true, dispatched: 0, weight: 1, busy: false, wait: null },
          ],
          fairness: 25 / 26,
        },
      } satisfies Record<string, FairSnapshot>);
    });
  });

  it('should time only the events that arrived while a snapshots subscription was live', () => {
    runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
      // A plain FIFO (no `by`, no node): no keys, totals only. a b c arrive at 0, before anyone watches; the
      // snapshots subscription starts at 2. b (dispatched at 3) and c (6) are counted but not timed; d arrives
      // at 6, while live, and is dispatched at 9 after waiting 3.
      const events = hot('  (abc)-d-----------|');
      const notifier = hot('----------n-------|');
      const subscription = '--^';
      const snapshots = '   ----------s-------|';

      const stats = new FairStats({ now: () => testScheduler.now() });
      events.pipe(fairMergeMap((v) => cold('--v|', { v }), { concurrency: 1, stats })).subscribe();
      expectObservable(stats.snapshots(notifier), subscription).toBe(snapshots, {
        s: {
          time: 10,
          since: 2,
          totals: { queued: 0, active: 1, dispatched: 3, wait: wait(1, 3, 3, 3, 3) },
          keys: [],
          fairness: null,
        },
      } satisfies Record<string, FairSnapshot>);
    });
  });

  it('should give each snapshots subscription its own windows', () => {
    runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
      // Two watchers of one FairStats: every 3 frames, and once at 9. The first one is unsubscribed at 7.
      const events = hot('  (ab)-----------|', { a: ['h1', 'a'], b: ['h2', 'b'] });
      const every3 = hot('  ---n--n--n-----|');
      const at9 = hot('     ---------n-----|');
      const s1 = '          ---p--q-';
      const unsub1 = '      -------!';
      const s2 = '          ---------r-----|';

      const stats = new FairStats({ now: () => testScheduler.now() });
      const host = (key: string, at: number, active: number) => ({
        key,
        queued: 0,
        active,
        paused: false,
        dispatched: 1,
        weight: 1,
        busy: true,
        wait: wait(1, at, at, at, at),
      });
      events
        .pipe(fairMergeMap(([, id]) => cold('--v|', { v: id }), { concurrency: 1, by: ([h]) => [h], stats }))
        .subscribe();
      expectObservable(stats.snapshots(every3), unsub1).toBe(s1, {
        // a dispatched at 0, b at 3. A snapshot in the frame where a projection completes sees it still running.
        p: {
          time: 3,
          since: 0,
          totals: { queued: 1, active: 1, dispatched: 1, wait: wait(1, 0, 0, 0, 0) },
          keys: [
            host('h1', 0, 1),
            { key: 'h2', queued: 1, active: 0, paused: false, dispatched: 0, weight: 1, busy: true, wait: null },
          ],
          fairness: 0.5,
        },
        q: {
          time: 6,
          since: 3,
          totals: { queued: 0, active: 1, dispatched: 1, wait: wait(1, 3, 3, 3, 3) },
          keys: [host('h2', 3, 1)],
          fairness: 1,
        },
      } satisfies Record<string, FairSnapshot>);
      // Its window is 0-9: both dispatches; b's projection has completed (its host left the tree) by then.
      expectObservable(stats.snapshots(at9)).toBe(s2, {
        r: {
          time: 9,
          since: 0,
          totals: { queued: 0, active: 0, dispatched: 2, wait: wait(2, 0, 3, 3, 3) },
          keys: [host('h1', 0, 0), host('h2', 3, 0)],
          fairness: 1,
        },
      } satisfies Record<string, FairSnapshot>);
    });
  });

  /** A snapshot of a window in which nothing was queued, active or dispatched. */
  const idle = (time: number, since: number): FairSnapshot => ({
    time,
    since,
    totals: { queued: 0, active: 0, dispatched: 0, wait: null },
    keys: [],
    fairness: null,
  });

  it('should report an idle window over events that never come (never)', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions, testScheduler }) => {
      // No event, so no key: nothing was busy and Jain's index is null.
      const events = cold('   -------');
      const eventsSubs = '    ^------';
      const notifier = hot('  ---n---');
      const notifierSubs = '  ^------';
      const output = '        -------';
      const snapshots = '     ---s---';

      const stats = new FairStats<string[]>({ now: () => testScheduler.now() });
      const result = events.pipe(
        fairMergeMap(([, id]) => cold('--v|', { v: id }), { concurrency: 1, by: ([host]) => [host], stats }),
      );
      expectObservable(result).toBe(output);
      expectObservable(stats.snapshots(notifier)).toBe(snapshots, { s: idle(3, 0) });
      expectSubscriptions(events.subscriptions).toBe(eventsSubs);
      expectSubscriptions(notifier.subscriptions).toBe(notifierSubs);
    });
  });

  it('should keep answering after the watched operator completed empty, and complete with an empty notifier (empty)', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions, testScheduler }) => {
      // The operator completes at once; the snapshots go on with the notifier, with nothing to count.
      const events = cold('   |   ');
      const eventsSubs = '    (^!)';
      const notifier = hot('  --n-|');
      const output = '        |   ';
      const snapshots = '     --s-|';

      const stats = new FairStats<string[]>({ now: () => testScheduler.now() });
      const result = events.pipe(
        fairMergeMap(([, id]) => cold('--v|', { v: id }), { concurrency: 1, by: ([host]) => [host], stats }),
      );
      expectObservable(result).toBe(output);
      expectObservable(stats.snapshots(notifier)).toBe(snapshots, { s: idle(2, 0) });
      expectObservable(stats.snapshots(cold('|'))).toBe('|');
      expectSubscriptions(events.subscriptions).toBe(eventsSubs);
    });
  });

  it('should count one event: its dispatch, its wait and its host (one)', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions, testScheduler }) => {
      // a (host h1) arrives at 1 with the slot free: dispatched at once, wait 0. It runs from 1 to 4, so the
      // snapshot at 2 sees it running.
      const events = hot('    -a----|', { a: ['h1', 'a'] });
      const eventsSubs = '    ^-----!';
      const notifier = hot('  --n---|');
      const a = cold('         --a|  ');
      const aSubs = '         -^--!  ';
      const output = '        ---a--|';
      const snapshots = '     --s---|';

      const stats = new FairStats<string[]>({ now: () => testScheduler.now() });
      const result = events.pipe(fairMergeMap(() => a, { concurrency: 1, by: ([host]) => [host], stats }));
      expectObservable(result).toBe(output);
      expectObservable(stats.snapshots(notifier)).toBe(snapshots, {
        s: {
          time: 2,
          since: 0,
          totals: { queued: 0, active: 1, dispatched: 1, wait: wait(1, 0, 0, 0, 0) },
          keys: [
            {
              key: 'h1',
              queued: 0,
              active: 1,
              paused: false,
              dispatched: 1,
              weight: 1,
              busy: true,
              wait: wait(1, 0, 0, 0, 0),
            },
          ],
          fairness: 1,
        },
      } satisfies Record<string, FairSnapshot>);
      expectSubscriptions(events.subscriptions).toBe(eventsSubs);
      expectSubscriptions(a.subscriptions).toBe(aSubs);
    });
  });

  it('should unsubscribe the notifier when the snapshots are unsubscribed early, leaving the dispatch as it was', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions, testScheduler }) => {
      // A plain FIFO, concurrency 1. a runs from 1 to 4; b arrives at 2 and waits for it (wait 2). Unsubscribed at
      // 7, the snapshots miss the notifier's n at 9; the output goes on.
      const events = hot('    -ab-------|');
      const eventsSubs = '    ^---------!';
      const notifier = hot('  ---n--n--n|');
      const unsub = '         -------!   ';
      const notifierSubs = '  ^------!   ';
      const output = '        ---a--b---|';
      const snapshots = '     ---s--t    ';

      const stats = new FairStats({ now: () => testScheduler.now() });
      expectObservable(events.pipe(fairMergeMap((v) => cold('--v|', { v }), { concurrency: 1, stats }))).toBe(output);
      expectObservable(stats.snapshots(notifier), unsub).toBe(snapshots, {
        s: {
          time: 3,
          since: 0,
          totals: { queued: 1, active: 1, dispatched: 1, wait: wait(1, 0, 0, 0, 0) },
          keys: [],
          fairness: null,
        },
        t: {
          time: 6,
          since: 3,
          totals: { queued: 0, active: 1, dispatched: 1, wait: wait(1, 2, 2, 2, 2) },
          keys: [],
          fairness: null,
        },
      } satisfies Record<string, FairSnapshot>);
      expectSubscriptions(events.subscriptions).toBe(eventsSubs);
      expectSubscriptions(notifier.subscriptions).toBe(notifierSubs);
    });
  });

  it('should error the snapshots, not the dispatch, when now throws (throwing callback)', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions, testScheduler }) => {
      // The clock fails from frame 4, where b's arrival reads it: the snapshots error there and unsubscribe the
      // notifier. The operator never sees the error: b is dispatched when a completes, as without stats.
      const events = hot('    -a--b-----|');
      const eventsSubs = '    ^---------!';
      const notifier = hot('  --n----n--|');
      const notifierSubs = '  ^---!      ';
      const output = '        ---a--b---|';
      const snapshots = '     --s-#      ';

      const now = () => {
        if (testScheduler.now() >= 4) throw new Error('clock stopped');
        return testScheduler.now();
      };
      const stats = new FairStats({ now });
      expectObservable(events.pipe(fairMergeMap((v) => cold('--v|', { v }), { concurrency: 1, stats }))).toBe(output);
      expectObservable(stats.snapshots(notifier)).toBe(
        snapshots,
        {
          s: {
            time: 2,
            since: 0,
            totals: { queued: 0, active: 1, dispatched: 1, wait: wait(1, 0, 0, 0, 0) },
            keys: [],
            fairness: null,
          },
        } satisfies Record<string, FairSnapshot>,
        new Error('clock stopped'),
      );
      expectSubscriptions(events.subscriptions).toBe(eventsSubs);
      expectSubscriptions(notifier.subscriptions).toBe(notifierSubs);
    });
  });

  it('should error a second operator subscription that is given the same FairStats', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      const events = hot('-a-|');
      const stats = new FairStats();
      const operator = fairMergeMap((v: string) => cold('v|', { v }), { stats });
      expectObservable(events.pipe(operator)).toBe('-a-|');
      expectObservable(events.pipe(operator)).toBe(
        '#',
        undefined,
        new Error(
          'This FairStats already watches a running subscription: give each fairMergeMap subscription its own FairStats',
        ),
      );
    });
  });

  it('should complete and error with the notifier', () => {
    runMarbles(({ hot, expectObservable, testScheduler }) => {
      const stats = new FairStats({ now: () => testScheduler.now() });
      const empty = {
        time: 1,
        since: 0,
        totals: { queued: 0, active: 0, dispatched: 0, wait: null },
        keys: [],
        fairness: null,
      };
      expectObservable(stats.snapshots(hot('-n-|'))).toBe('-s-|', { s: empty });
      expectObservable(stats.snapshots(hot('-n-#'))).toBe('-s-#', { s: empty });
    });
  });
});
