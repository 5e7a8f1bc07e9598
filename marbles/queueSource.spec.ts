import { describe, expect, it } from 'vitest';
import { FifoQueue, QueueSource, RateLimit, RoundRobinQueue, fairMergeMap } from '../src/index.js';
import { runMarbles } from '../test/support/marbles.js';

/**
 * A tree built by hand from the core's nodes, dispatched by `fairMergeMap`, read as documentation.
 *
 * - **The tree is yours.** `new QueueSource(root)`: add branches and leaves as keys appear (`source.add`), pause,
 *   resume and cap them (`source.pause`, `source.resume`, `source.setCap`: what may make events ready wakes the
 *   dispatch); `source.push(leaf, event)` queues an event and wakes the dispatch.
 * - **Handed back whole.** `source.delete(node, key)` removes a branch and returns what it still queued.
 * - **Counted.** Every event dispatched counts as active on its path until its projection completes, so a node's
 *   cap holds; `source.setRate(node, rate)` gives a node a token bucket while a subscription is live.
 */
describe('QueueSource', () => {
  /** A root with two hosts, each a leaf: what every example starts from. */
  function twoHosts() {
    const root = new RoundRobinQueue<string>();
    const h1 = new FifoQueue<string>();
    const h2 = new FifoQueue<string>();
    root.add('h1', h1).add('h2', h2);
    return { root, source: new QueueSource(root), h1, h2 };
  }

  it('should serve the leaves built by hand in round-robin order, pulling only when a slot frees', () => {
    runMarbles(({ cold, expectObservable }) => {
      // h1's three events were queued before h2's, yet the one slot alternates between the hosts.
      const { source, h1, h2 } = twoHosts();
      for (const event of ['a', 'b', 'c']) source.push(h1, event);
      for (const event of ['x', 'y']) source.push(h2, event);
      expectObservable(source.pipe(fairMergeMap((v) => cold('-(v|)', { v }), 1))).toBe('-axbyc');
    });
  });

  it('should hold a capped node to its cap while the others use the free slots', () => {
    runMarbles(({ cold, expectObservable }) => {
      // Two slots, h1 one at a time: a and x start; x's slot goes to y, as h1 is at its cap until a is done; then
      // h1 rejoins the rotation at the back, behind h2.
      const { source, h1, h2 } = twoHosts();
      h1.setCap(1);
      for (const event of ['a', 'b']) source.push(h1, event);
      for (const event of ['x', 'y', 'z']) source.push(h2, event);
      const runs: Record<string, string> = { a: '---(v|)', x: '-(v|)', y: '-------(v|)', b: '(v|)', z: '(v|)' };
      expectObservable(source.pipe(fairMergeMap((v) => cold(runs[v] as string, { v }), 2))).toBe('-x-(azb)y');
    });
  });

  it('should hand a deleted branch back and serve on with the rest', () => {
    runMarbles(({ cold, expectObservable, testScheduler }) => {
      const { root, source, h1, h2 } = twoHosts();
      for (const event of ['a', 'b', 'c']) source.push(h1, event);
      for (const event of ['x', 'y']) source.push(h2, event);
      // At frame 3 (a done, x running) h1 leaves with b and c: only h2's y is left to run.
      let handedBack: string[] = [];
      testScheduler.schedule(() => (handedBack = source.delete(root, 'h1')), 3);
      expectObservable(source.pipe(fairMergeMap((v) => cold('--(v|)', { v }), 1))).toBe('--a-x-y');
      testScheduler.schedule(() => expect([handedBack, source.queued]).toEqual([['b', 'c'], 0]), 10);
    });
  });

  it('should hold a node with a rate to one dispatch per token', () => {
    runMarbles(({ cold, expectObservable, testScheduler }) => {
      // h1 gets a token every 8 frames; h2 has no limit and keeps the slots busy meanwhile.
      const { source, h1, h2 } = twoHosts();
      expectObservable(source.pipe(fairMergeMap((v) => cold('(v|)', { v }), 2))).toBe('(axyz)--b');
      testScheduler.schedule(() => {
        source.setRate(h1, new RateLimit({ limit: 1, interval: 8 }));
        for (const event of ['a', 'b']) source.push(h1, event);
        for (const event of ['x', 'y', 'z']) source.push(h2, event);
      }, 0);
    });
  });
});
