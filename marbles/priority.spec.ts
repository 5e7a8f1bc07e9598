import { describe, it } from 'vitest';
import { byPriority, fairMergeMap, priority, roundRobin } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * Priority levels, read as documentation.
 *
 * - **Strict.** A `priority` node serves the first level with a ready event: a level waits while any level above it
 *   is ready. An urgent event queued behind a routine backlog is dispatched at the next free slot.
 * - **`every: n`.** While a level below the first ready one is ready, one dispatch in every n goes to the levels
 *   below (round-robin over them): none starves.
 * - **Composes both ways.** A level is any child (a `roundRobin` tree: fair within the level); a `priority` node is
 *   the root or a child of a `roundRobin` node (per-host priorities).
 * - **With `by`.** `priority: byPriority(levels, level)` puts the levels above the key path.
 *
 * Each projection below emits its value 2 frames after it starts and completes a frame later (`--v|`), so the one
 * slot (concurrency 1) frees 3 frames after it was taken.
 */
describe('priority', () => {
  it('should serve an urgent event before the routine backlog', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // w runs at once; a b c queue behind it. u arrives while a runs, and takes the next slot: b and c wait.
      const urgent = hot('   -----u-----------|');
      const routine = hot('  w(abc)-----------|');
      const sub = '          ^----------------!';
      const expected = '     --w--a--u--b--c--|';

      const node = priority({ urgent, routine });
      expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      expectSubscriptions(urgent.subscriptions).toBe(sub);
      expectSubscriptions(routine.subscriptions).toBe(sub);
    });
  });

  it('should give the lower level one dispatch in every 3 with every: 3', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // Both levels queue while w runs; then two urgent events, one background event, and again.
      const urgent = hot('      w(abcde)-----------------|');
      const background = hot('  -(xy)--------------------|');
      const expected = '        --w--a--b--x--c--d--y--e-|';

      const node = priority({ urgent, background }, { every: 3 });
      expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
    });
  });

  it('should keep per-host priorities under a roundRobin root', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // Each host is a priority node. u overtakes the rest of h1's routine backlog (b c), not h2's turn (x).
      const routine1 = hot('  w(abc)----------------|');
      const urgent1 = hot('   -----u----------------|');
      const routine2 = hot('  -(xy)-----------------|');
      const expected = '      --w--a--x--u--y--b--c-|';

      const h1 = priority({ urgent: urgent1, routine: routine1 });
      const h2 = priority({ routine: routine2 });
      const cloud = roundRobin({ h1, h2 });
      expectObservable(cloud.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
    });
  });

  it('should be fair within a level that is a roundRobin tree', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // The urgent level is a round-robin of two hosts: their urgent events alternate, then the routine one runs.
      const host1 = hot('    w(ab)--------------|');
      const host2 = hot('    -(xy)--------------|');
      const routine = hot('  -r-----------------|');
      const expected = '     --w--a--x--b--y--r-|';

      const node = priority({ urgent: roundRobin({ host1, host2 }), routine });
      expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
    });
  });

  it('should put the levels of byPriority above the key path of by', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // w runs at once; a (h1), b (h2) and x (h1) are routine, u (h2) is urgent: u goes first, then the routine
      // level's hosts alternate: a, b, x.
      const events = hot('  w(abxu)----------|', {
        w: { level: 'routine', host: 'h1', id: 'w' },
        a: { level: 'routine', host: 'h1', id: 'a' },
        b: { level: 'routine', host: 'h2', id: 'b' },
        x: { level: 'routine', host: 'h1', id: 'x' },
        u: { level: 'urgent', host: 'h2', id: 'u' },
      });
      const expected = '    --w--u--a--b--x--|';

      const result = events.pipe(
        fairMergeMap((e) => cold('--v|', { v: e.id }), {
          concurrency: 1,
          by: (e) => [e.host],
          priority: byPriority(['urgent', 'routine'], (e) => e.level),
        }),
      );
      expectObservable(result).toBe(expected);
    });
  });

  it('should skip a paused level and keep its events until resume', () => {
    runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
      // urgent is paused at frame 2, so routine runs; at frame 8 it resumes and u takes the next slot.
      const urgent = hot('   ---u-----------|');
      const routine = hot('  w(ab)----------|');
      const expected = '     --w--a--b--u---|';

      const node = priority({ urgent, routine });
      testScheduler.schedule(() => node.pause('urgent'), 2);
      testScheduler.schedule(() => node.resume('urgent'), 8);
      expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
    });
  });

  it('should complete when every level completed empty', () => {
    runMarbles(({ cold, expectObservable }) => {
      const urgent = cold('   --|');
      const routine = cold('  |');
      const expected = '      --|';

      expectObservable(priority({ urgent, routine }).pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
    });
  });

  it('should error when a level errors, and unsubscribe every level', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const urgent = hot('   -----#');
      const routine = hot('  (ab)--');
      const sub = '          ^----!';
      const expected = '     --a--#';

      expectObservable(priority({ urgent, routine }).pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
      expectSubscriptions(urgent.subscriptions).toBe(sub);
      expectSubscriptions(routine.subscriptions).toBe(sub);
    });
  });

  it('should unsubscribe every level and running projection when the output is unsubscribed', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const urgent = hot('   --u-------|');
      const routine = hot('  (ab)------|');
      const unsub = '        ^---!      ';
      const expected = '     --a-       ';
      const inner = cold('   --v|       ');

      expectObservable(priority({ urgent, routine }).pipe(fairMergeMap(() => inner, 1)), unsub).toBe(expected, {
        a: 'v',
      });
      expectSubscriptions(urgent.subscriptions).toBe(unsub);
      expectSubscriptions(routine.subscriptions).toBe(unsub);
      expectSubscriptions(inner.subscriptions).toBe(['^--!', '---^!']);
    });
  });
});
