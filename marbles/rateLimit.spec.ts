import { describe, it } from 'vitest';
import { RateLimit, fairMergeMap, priority, rateLimited } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * Rate limits, read as documentation.
 *
 * - **A token bucket per node.** `new RateLimit({ limit, interval, burst })`: `burst` tokens (default `limit`), one
 *   more every `interval / limit`. Each dispatch from below the node spends one.
 * - **Out of tokens, out of the rotation.** A node without a token waits as at its cap and rejoins at the back when
 *   its next token is due; the others keep the free slots busy (work-conserving).
 * - **Where.** `fairMergeMap`'s `rates` with `by` (per depth), `rateLimited` and `priority` nodes (`rate`, `rates`).
 *
 * Time is the scheduler's (`asyncScheduler` by default, virtual in `TestScheduler.run`): one frame is one unit of
 * `interval`.
 */
describe('rate limits', () => {
  it('should hold each host of a by tree to one dispatch every 4 frames', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // Each host spends its one token at once (a, x) and gets the next 4 frames later (b, y), then c.
      const events = hot('  (abcxy)----|', {
        a: ['h1', 'a'],
        b: ['h1', 'b'],
        c: ['h1', 'c'],
        x: ['h2', 'x'],
        y: ['h2', 'y'],
      });
      const expected = '    (ax)(by)c--|';

      const perHost = new RateLimit({ limit: 1, interval: 4 });
      const result = events.pipe(
        fairMergeMap(([, id]) => cold('v|', { v: id }), { concurrency: 3, by: ([host]) => [host], rates: [perHost] }),
      );
      expectObservable(result).toBe(expected);
    });
  });

  it('should keep the slot busy with another child while one waits for its token', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // h1 may dispatch once every 4 frames; h2 has no limit. a runs; when it completes (frame 3) h1 has no token, so
      // x takes the slot. h1 rejoins at the back at frame 4: y first, then b, z, c.
      const h1 = hot('   (abc)-----------|  ');
      const h2 = hot('   (xyz)-----------|  ');
      const expected = ' --a--x--y--b--z--c|';

      const node = rateLimited({ h1, h2 }, { rates: { h1: new RateLimit({ limit: 1, interval: 4 }) } });
      expectObservable(node.pipe(fairMergeMap((v) => cold('--v|', { v }), 1))).toBe(expected);
    });
  });

  it('should let a burst through, then one every interval / limit', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // 2 per 12 frames, bursts of 3: a b c at once, then one every 6 frames.
      const vm = hot('    (abcde)-------|');
      const expected = '  (abc)-d-----e-|';

      const node = rateLimited({ vm }, { rates: { vm: new RateLimit({ limit: 2, interval: 12, burst: 3 }) } });
      expectObservable(node.pipe(fairMergeMap((v) => cold('v|', { v }), 10))).toBe(expected);
    });
  });

  it('should apply RateLimit.set at run time from the next token', () => {
    runMarbles(({ cold, hot, expectObservable, testScheduler }) => {
      // One every 4 frames until set() at frame 5 makes it one every 2: c at 8 (its token was due then), d at 10.
      const vm = hot('    (abcd)-------|');
      const expected = '  a---b---c-d--|';

      const rate = new RateLimit({ limit: 1, interval: 4 });
      testScheduler.schedule(() => rate.set({ limit: 1, interval: 2 }), 5);
      const node = rateLimited({ vm }, { rates: { vm: rate } });
      expectObservable(node.pipe(fairMergeMap((v) => cold('v|', { v }), 10))).toBe(expected);
    });
  });

  it('should limit a priority level: the urgent level waits for its token, routine events fill in', () => {
    runMarbles(({ cold, hot, expectObservable }) => {
      // Urgent events may go once every 6 frames; while urgent waits, routine events are served.
      const urgent = hot('   (uv)---------|');
      const routine = hot('  (abc)--------|');
      const expected = '     -u-a-b-v-c---|';

      const node = priority({ urgent, routine }, { rates: { urgent: new RateLimit({ limit: 1, interval: 6 }) } });
      expectObservable(node.pipe(fairMergeMap((v) => cold('-v|', { v }), 1))).toBe(expected);
    });
  });

  it('should schedule nothing more once unsubscribed', () => {
    runMarbles(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const vm = hot('     (abc)------|');
      const unsub = '      ^--!        ';
      const expected = '   a---        ';

      const node = rateLimited({ vm }, { rates: { vm: new RateLimit({ limit: 1, interval: 4 }) } });
      expectObservable(node.pipe(fairMergeMap((v) => cold('v|', { v }), 1)), unsub).toBe(expected);
      expectSubscriptions(vm.subscriptions).toBe(unsub);
    });
  });
});
