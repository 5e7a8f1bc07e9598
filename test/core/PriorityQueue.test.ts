import { describe, expect, it } from 'vitest';
import { FifoQueue, PriorityQueue, RoundRobinQueue } from '../../src/index.js';

function drain<T>(q: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = q.next(); v !== undefined; v = q.next()) out.push(v);
  return out;
}

const fifo = (prefix: string, n: number): FifoQueue<string> =>
  new FifoQueue(Array.from({ length: n }, (_, i) => `${prefix}${i}`));

describe('PriorityQueue', () => {
  describe('strict priority', () => {
    it('should serve the first level with a ready event, then the next', () => {
      const q = new PriorityQueue<string>({ urgent: fifo('u', 2), normal: fifo('n', 2), background: fifo('b', 1) });
      expect(drain(q)).toEqual(['u0', 'u1', 'n0', 'n1', 'b0']);
    });

    it('should serve an urgent event pushed behind a routine backlog next', () => {
      const urgent = new FifoQueue<string>();
      const q = new PriorityQueue<string>({ urgent, normal: fifo('n', 3) });
      expect(q.next()).toBe('n0');
      urgent.push('u0');
      expect(drain(q)).toEqual(['u0', 'n1', 'n2']);
    });

    it('should be fair within a level that is a round-robin node', () => {
      const normal = new RoundRobinQueue<string>({ h1: fifo('a', 2), h2: fifo('x', 2) });
      const q = new PriorityQueue<string>({ urgent: fifo('u', 1), normal });
      expect(drain(q)).toEqual(['u0', 'a0', 'x0', 'a1', 'x1']);
    });

    it('should sit in a round-robin node like any child: per-host priorities', () => {
      const h1 = new PriorityQueue<string>({ urgent: new FifoQueue(['h1-u']), routine: fifo('h1-r', 2) });
      const h2 = new PriorityQueue<string>({ urgent: new FifoQueue<string>(), routine: fifo('h2-r', 2) });
      const cloud = new RoundRobinQueue<string>({ h1, h2 });
      expect(drain(cloud)).toEqual(['h1-u', 'h2-r0', 'h1-r0', 'h2-r1', 'h1-r1']);
      expect(cloud.ready).toBe(false);
      (h2.get('urgent') as FifoQueue<string>).push('h2-u');
      expect(cloud.ready).toBe(true);
      expect(cloud.next()).toBe('h2-u');
    });
  });

  describe('every: anti-starvation', () => {
    it('should give one dispatch in every n to the lower levels', () => {
      const q = new PriorityQueue<string>({ urgent: fifo('u', 6), background: fifo('b', 3) }, { every: 3 });
      expect(drain(q)).toEqual(['u0', 'u1', 'b0', 'u2', 'u3', 'b1', 'u4', 'u5', 'b2']);
    });

    it('should go round-robin over the ready lower levels on guarded turns', () => {
      const q = new PriorityQueue<string>(
        { urgent: fifo('u', 6), normal: fifo('n', 6), background: fifo('b', 6) },
        { every: 2 },
      );
      expect(drain(q).slice(0, 8)).toEqual(['u0', 'n0', 'u1', 'b0', 'u2', 'n1', 'u3', 'b1']);
    });

    it('should give a lower level of weight w w guarded turns in a row', () => {
      const q = new PriorityQueue<string>(
        { urgent: fifo('u', 8), normal: fifo('n', 6), background: fifo('b', 6) },
        { every: 2, weights: { background: 2 } },
      );
      expect(drain(q).slice(0, 8)).toEqual(['u0', 'n0', 'u1', 'b0', 'u2', 'b1', 'u3', 'n1']);
    });

    it('should count nothing while no lower level is ready', () => {
      const background = new FifoQueue<string>();
      const q = new PriorityQueue<string>({ urgent: fifo('u', 5), background }, { every: 3 });
      expect([q.next(), q.next(), q.next()]).toEqual(['u0', 'u1', 'u2']);
      background.push('b0');
      expect(drain(q)).toEqual(['u3', 'u4', 'b0']);
    });

    it('should change every at run time, strict again with Infinity', () => {
      const q = new PriorityQueue<string>({ urgent: fifo('u', 4), background: fifo('b', 2) }, { every: 2 });
      expect(q.every).toBe(2);
      expect([q.next(), q.next()]).toEqual(['u0', 'b0']);
      q.setEvery(Infinity);
      expect(drain(q)).toEqual(['u1', 'u2', 'u3', 'b1']);
    });
  });

  describe('as a node', () => {
    it('should skip a paused level and keep its events', () => {
      const q = new PriorityQueue<string>({ urgent: fifo('u', 2), normal: fifo('n', 1) });
      q.pause('urgent');
      expect(q.isPaused('urgent')).toBe(true);
      expect(drain(q)).toEqual(['n0']);
      expect(q.size).toBe(2);
      q.resume('urgent');
      expect(drain(q)).toEqual(['u0', 'u1']);
    });

    it('should add a level below the others and hand back the events of a deleted one', () => {
      const q = new PriorityQueue<string>({ urgent: fifo('u', 1) });
      q.add('low', fifo('l', 2));
      expect([...q.keys()]).toEqual(['urgent', 'low']);
      expect(q.delete('urgent')).toEqual(['u0']);
      expect(q.has('urgent')).toBe(false);
      expect(drain(q)).toEqual(['l0', 'l1']);
    });

    it('should hold a level at its cap and serve the next level meanwhile', () => {
      const q = new PriorityQueue<string>({ urgent: fifo('u', 2), normal: fifo('n', 2) }, { caps: { urgent: 1 } });
      expect(q.take()).toBe('u0');
      const leaf = q.lastTaken;
      expect(q.take()).toBe('n0'); // urgent is at its cap
      leaf?.release();
      expect(q.take()).toBe('u1');
      expect(q.active).toBe(2);
    });

    it('should take its own cap and tell its parent when it turns ready or idle', () => {
      const p = new PriorityQueue<string>({ a: fifo('a', 3) }, { cap: 1 });
      const root = new RoundRobinQueue<string>({ p, b: fifo('b', 2) });
      expect(root.take()).toBe('a0');
      const first = root.lastTaken;
      expect(root.take()).toBe('b0');
      expect(root.take()).toBe('b1');
      expect(root.take()).toBeUndefined();
      first?.release();
      expect(root.take()).toBe('a1');
    });

    it('should push by a key path whose first key is the level', () => {
      const q = new PriorityQueue<string, string>({
        urgent: new RoundRobinQueue<string, unknown>(),
        plain: new FifoQueue<string>(),
      });
      q.push(['plain'], 'p');
      q.push(['urgent', 'h1', 'vm1'], 'u');
      expect(drain(q)).toEqual(['u', 'p']);
      expect((q.get('urgent') as RoundRobinQueue<string, unknown>).has('h1')).toBe(false); // pruned once empty
    });

    it('should report weights', () => {
      const q = new PriorityQueue<string>({ a: fifo('a', 1), b: fifo('b', 1) }, { weights: { b: 3 } });
      expect(q.weightOf('b')).toBe(3);
      q.setWeight('b', 1);
      expect(q.weightOf('b')).toBe(1);
    });
  });

  describe('bad input: a clear error at the call, nothing applied', () => {
    it('should refuse every below 2 or not an integer', () => {
      for (const every of [1, 0, 2.5, '3', NaN, -Infinity]) {
        expect(() => new PriorityQueue<string>({ a: fifo('a', 1) }, { every: every as number })).toThrow(
          new TypeError(
            `Expected \`every\` to be an integer from 2 up, or Infinity, got ${typeof every === 'string' ? `"${every}"` : String(every)}`,
          ),
        );
      }
      const q = new PriorityQueue<string>({}, { every: 4 });
      expect(() => q.setEvery(1)).toThrow(TypeError);
      expect(q.every).toBe(4);
    });

    it('should leave no level claimed when an option is bad', () => {
      const a = fifo('a', 1);
      expect(() => new PriorityQueue<string>({ a }, { weights: { a: 0 } })).toThrow(
        new TypeError('Expected `weights` of key "a" to be a positive integer, got 0'),
      );
      expect(a._parent).toBeNull();
      expect(() => new PriorityQueue<string>({ a }, { caps: { b: 1 } })).toThrow(
        'Cannot set `caps` of key "b": no such child',
      );
      expect(a._parent).toBeNull();
    });

    it('should refuse a non-queue level, a duplicate key and an unknown key', () => {
      expect(() => new PriorityQueue<string>({ a: 'x' as unknown as FifoQueue<string> })).toThrow(
        new TypeError(`Expected a queue at key "a", got "x"`),
      );
      const q = new PriorityQueue<string>({ a: fifo('a', 1) });
      expect(() => q.add('a', fifo('b', 1))).toThrow('Key "a" is already in this node');
      expect(() => q.pause('zz')).toThrow('Cannot pause key "zz": no such level');
      expect(() => q.setWeight('a', 0)).toThrow(TypeError);
      expect(q.weightOf('a')).toBe(1);
    });

    it('should refuse a key path naming no level, or not fitting it', () => {
      const q = new PriorityQueue<string>({ a: new FifoQueue<string>(), n: new RoundRobinQueue<string>() });
      expect(() => q.push(['zz'], 'x')).toThrow(new TypeError('Key path ["zz"]: no level "zz"'));
      expect(() => q.push(['a', 'b'], 'x')).toThrow(TypeError);
      expect(() => q.push(['n'], 'x')).toThrow(TypeError);
      expect(() => q.push([], 'x')).toThrow(TypeError);
      expect(q.size).toBe(0);
    });
  });
});
