import { describe, expect, it } from 'vitest';
import { FifoQueue, RoundRobinQueue } from '../../src/index.js';

function drain<T>(q: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = q.next(); v !== undefined; v = q.next()) out.push(v);
  return out;
}

/** The leaf at a key path, or `undefined`. */
function leafAt<T>(q: RoundRobinQueue<T, unknown>, path: readonly string[]): unknown {
  let node: unknown = q;
  for (const key of path) node = node instanceof RoundRobinQueue ? (node as RoundRobinQueue<T, unknown>).get(key) : undefined;
  return node;
}

describe('RoundRobinQueue spares (emptied branches kept for reuse)', () => {
  it('should reuse the branch of a key path that comes back, and hide it while it is parked', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { spares: 8 });
    q.push(['h1', 'vm1', 'heal'], 'a');
    const leaf = leafAt(q, ['h1', 'vm1', 'heal']);
    const vm = leafAt(q, ['h1', 'vm1']);
    expect(drain(q)).toEqual(['a']);
    // Parked: as if pruned.
    expect(q.has('h1')).toBe(false);
    expect(q.get('h1')).toBeUndefined();
    expect([...q.keys()]).toEqual([]);
    expect(q.size).toBe(0);
    expect(q.ready).toBe(false);
    expect(() => q.pause('h1')).toThrow(/no such child/);
    q.push(['h1', 'vm1', 'heal'], 'b');
    expect(leafAt(q, ['h1', 'vm1', 'heal'])).toBe(leaf);
    expect(leafAt(q, ['h1', 'vm1'])).toBe(vm);
    expect(q.size).toBe(1);
    expect(drain(q)).toEqual(['b']);
  });

  it('should prune at once without the option', () => {
    const q = new RoundRobinQueue<string, unknown>();
    q.push(['h1', 'heal'], 'a');
    const leaf = leafAt(q, ['h1', 'heal']);
    drain(q);
    q.push(['h1', 'heal'], 'b');
    expect(leafAt(q, ['h1', 'heal'])).not.toBe(leaf);
  });

  it('should keep at most `spares` branches, letting the least recently emptied go', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { spares: 2 });
    for (const key of ['a', 'b', 'c']) q.push([key], key);
    const leaves = ['a', 'b', 'c'].map((key) => q.get(key));
    expect(drain(q)).toEqual(['a', 'b', 'c']); // parked a, b, c in that order: a went
    for (const key of ['a', 'b', 'c']) q.push([key], key);
    expect(q.get('a')).not.toBe(leaves[0]);
    expect(q.get('b')).toBe(leaves[1]);
    expect(q.get('c')).toBe(leaves[2]);
    expect(drain(q)).toEqual(['a', 'b', 'c']);
  });

  it('should serve a reused branch at the back of the rotation, and keep its first place in key order', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { spares: 8 });
    q.push(['a'], 'a0');
    q.push(['b'], 'b0');
    expect(q.next()).toBe('a0'); // a parked
    q.push(['c'], 'c0');
    q.push(['a'], 'a1'); // a reused: joins the rotation after c
    expect([...q.keys()]).toEqual(['a', 'b', 'c']);
    expect(drain(q)).toEqual(['b0', 'c0', 'a1']);
  });

  it('should build a branch anew where a parked one has another shape', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { spares: 8 });
    q.push(['a', 'b'], 'x');
    drain(q);
    q.push(['a'], 'y'); // 'a' was a node: now a queue
    expect(q.get('a')).toBeInstanceOf(FifoQueue);
    drain(q);
    q.push(['a', 'b', 'c'], 'z'); // and a node again
    expect(leafAt(q, ['a', 'b', 'c'])).toBeInstanceOf(FifoQueue);
    expect(drain(q)).toEqual(['z']);
  });

  it('should let `add` use the key of a parked branch, and never hand its events out twice on `delete`', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { spares: 8 });
    q.push(['a', 'x'], 'a0');
    q.push(['a', 'y'], 'a1');
    expect(q.next()).toBe('a0'); // a/x parked, a still holds a/y
    expect(q.delete('a')).toEqual(['a1']);
    q.push(['b'], 'b0');
    drain(q);
    q.add('b', new FifoQueue(['mine']));
    expect([...q.keys()]).toEqual(['b']);
    expect(drain(q)).toEqual(['mine']);
    q.push(['a', 'x'], 'a2'); // built anew after the delete
    expect(drain(q)).toEqual(['a2']);
  });

  it('should keep a branch with events still taken, and park it on their release', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { spares: 8 });
    q.push(['h', 'heal'], 'a');
    expect(q.take()).toBe('a');
    const leaf = q.lastTaken;
    expect(q.has('h')).toBe(true); // its event runs
    leaf?.release();
    expect(q.has('h')).toBe(false);
    q.push(['h', 'heal'], 'b');
    expect(leafAt(q, ['h', 'heal'])).toBe(leaf);
  });

  it('should not reuse what pathWeight builds: the weight is asked again', () => {
    const asked: string[] = [];
    const q = new RoundRobinQueue<string, unknown>(undefined, {
      spares: 8,
      pathWeight: (path) => {
        asked.push(path.join('/'));
        return 1;
      },
    });
    q.push(['a'], 'x');
    drain(q);
    q.push(['a'], 'y');
    expect(asked).toEqual(['a', 'a']);
  });

  it.each([-1, 1.5, Number.NaN, Infinity, '2'])('should refuse spares: %s', (spares) => {
    expect(() => new RoundRobinQueue(undefined, { spares: spares as number })).toThrow(TypeError);
  });
});
