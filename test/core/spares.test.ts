import { describe, expect, it } from 'vitest';
import { BoundedFifoQueue, FifoQueue, OverflowError, RoundRobinQueue, type DropReason } from '../../src/index.js';

function drain<T>(q: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = q.next(); v !== undefined; v = q.next()) out.push(v);
  return out;
}

/** The leaf at a key path, or `undefined`. */
function leafAt<T>(q: RoundRobinQueue<T, unknown>, path: readonly string[]): unknown {
  let node: unknown = q;
  for (const key of path)
    node = node instanceof RoundRobinQueue ? (node as RoundRobinQueue<T, unknown>).get(key) : undefined;
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

  it('should ask pathWeight again for a reused branch', () => {
    const asked: string[] = [];
    let next = 2;
    const q = new RoundRobinQueue<string, unknown>(undefined, {
      spares: 8,
      pathWeight: (path) => {
        asked.push(path.join('/'));
        return next;
      },
    });
    q.push(['a'], 'x');
    const leaf = q.get('a');
    drain(q);
    next = 3;
    q.push(['a'], 'y');
    expect(q.get('a')).toBe(leaf);
    expect(asked).toEqual(['a', 'a']);
    expect(q.weightOf('a')).toBe(3);
  });

  it('should leave a parked branch parked when pathWeight throws on its reuse', () => {
    let fail = false;
    const q = new RoundRobinQueue<string, unknown>(undefined, {
      spares: 8,
      pathWeight: (_path, depth) => {
        if (fail && depth === 1) throw new Error('no weight');
        return 1;
      },
    });
    q.push(['h', 'vm1'], 'x');
    drain(q);
    fail = true;
    expect(() => q.push(['h', 'vm1'], 'y')).toThrow('no weight');
    expect([q.has('h'), q.size, q.ready]).toEqual([false, 0, false]);
    fail = false;
    q.push(['h', 'vm1'], 'z');
    expect(drain(q)).toEqual(['z']);
  });

  it('should reuse a branch pathCaps built, with the cap of its depth again, weight 1 and nothing active', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { pathCaps: [1], spares: 8 });
    q.push(['h', 'vm1'], 'a');
    const host = q.get('h') as RoundRobinQueue<string, unknown>;
    const leaf = host.get('vm1');
    // Changed while in sight: a new branch would have neither.
    host.setCap(5);
    q.setWeight('h', 3);
    expect(q.take()).toBe('a');
    q.lastTaken?.release();
    expect(q.has('h')).toBe(false); // parked
    q.push(['h', 'vm1'], 'b');
    q.push(['h', 'vm2'], 'c');
    q.push(['z'], 'z');
    expect(q.get('h')).toBe(host);
    expect(host.get('vm1')).toBe(leaf);
    expect([host.cap, host.active, q.weightOf('h'), leaf?.cap, leaf?.active]).toEqual([1, 0, 1, Infinity, 0]);
    // The cap applies after reuse: one at a time below h, however many are queued there.
    expect(q.take()).toBe('b');
    const running = q.lastTaken;
    expect(q.take()).toBe('z'); // h at its cap: its turn goes to z
    expect(q.take()).toBeUndefined();
    running?.release();
    expect(q.take()).toBe('c');
  });

  it('should reuse a leaf pathBound built, bounded as a new one, its drops reported with its path', () => {
    const drops: [string, DropReason, readonly unknown[]][] = [];
    const q = new RoundRobinQueue<string, unknown>(undefined, {
      pathBound: {
        size: 1,
        overflow: 'drop-oldest',
        onDrop: (event, reason, path) => void drops.push([event, reason, path]),
      },
      spares: 8,
    });
    q.push(['h', 'vm1'], 'a');
    q.push(['h', 'vm2'], 'x');
    const leaf = leafAt(q, ['h', 'vm1']);
    expect(drain(q)).toEqual(['a', 'x']);
    q.push(['h', 'vm1'], 'b');
    expect(leafAt(q, ['h', 'vm1'])).toBe(leaf);
    expect(leaf).toBeInstanceOf(BoundedFifoQueue);
    expect([(leaf as BoundedFifoQueue<string>).capacity, (leaf as BoundedFifoQueue<string>).overflow]).toEqual([
      1,
      'drop-oldest',
    ]);
    q.push(['h', 'vm1'], 'c'); // full: b goes
    q.push(['h', 'vm2'], 'y');
    expect(drops).toEqual([['b', 'drop-oldest', ['h', 'vm1']]]);
    expect(drain(q)).toEqual(['c', 'y']);
  });

  it("should apply 'error' and 'latest' to a reused bounded leaf", () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { pathBound: { size: 1, overflow: 'error' }, spares: 8 });
    q.push(['vm1'], 'a');
    drain(q);
    q.push(['vm1'], 'b');
    expect(() => q.push(['vm1'], 'c')).toThrow(OverflowError);
    expect(drain(q)).toEqual(['b']);
    const replaced: string[] = [];
    const latest = new RoundRobinQueue<string, unknown>(undefined, {
      pathBound: { overflow: 'latest', onDrop: (event) => void replaced.push(event) },
      spares: 8,
    });
    latest.push(['vm1'], 'a');
    drain(latest);
    latest.push(['vm1'], 'b');
    latest.push(['vm1'], 'c');
    expect(replaced).toEqual(['b']);
    expect(drain(latest)).toEqual(['c']);
  });

  it('should build anew a parked leaf that the pushing tree would bound differently', () => {
    // A node with its own spares, inside a tree whose push bounds its leaves: a parked plain leaf does not fit.
    const inner = new RoundRobinQueue<string, unknown>(undefined, { spares: 8 });
    inner.push(['vm1'], 'a');
    const plain = inner.get('vm1');
    drain(inner);
    const outer = new RoundRobinQueue<string, unknown>({ h: inner }, { pathBound: { size: 1, overflow: 'error' } });
    outer.push(['h', 'vm1'], 'b');
    expect(inner.get('vm1')).not.toBe(plain);
    expect(inner.get('vm1')).toBeInstanceOf(BoundedFifoQueue);
    expect(() => outer.push(['h', 'vm1'], 'c')).toThrow(OverflowError);
    expect(drain(outer)).toEqual(['b']);
    // And the other way round: a parked bounded leaf, pushed by a tree without bounds.
    const bounded = new RoundRobinQueue<string, unknown>(undefined, {
      pathBound: { size: 1, overflow: 'error' },
      spares: 8,
    });
    bounded.push(['vm1'], 'a');
    drain(bounded);
    const plainOuter = new RoundRobinQueue<string, unknown>({ h: bounded });
    plainOuter.push(['h', 'vm1'], 'b');
    plainOuter.push(['h', 'vm1'], 'c'); // unbounded now
    expect(bounded.get('vm1')).not.toBeInstanceOf(BoundedFifoQueue);
    expect(drain(plainOuter)).toEqual(['b', 'c']);
  });

  it('should give a reused branch the cap of its depth in the tree that pushes', () => {
    const inner = new RoundRobinQueue<string, unknown>(undefined, { pathCaps: [3], spares: 8 });
    inner.push(['vm1'], 'a');
    const leaf = inner.get('vm1');
    drain(inner);
    const outer = new RoundRobinQueue<string, unknown>({ h: inner }, { pathCaps: [Infinity, 1] });
    outer.push(['h', 'vm1'], 'b');
    expect(inner.get('vm1')).toBe(leaf);
    expect(leaf?.cap).toBe(1);
  });

  it('should reuse what pathWeight builds, with pathCaps and pathBound too, asking the weights again', () => {
    const asked: string[] = [];
    const q = new RoundRobinQueue<string, unknown>(undefined, {
      spares: 8,
      pathCaps: [1, 1],
      pathBound: { size: 2, overflow: 'error' },
      pathWeight: (path) => {
        asked.push(path.join('/'));
        return 2;
      },
    });
    q.push(['h', 'vm1'], 'x');
    const leaf = leafAt(q, ['h', 'vm1']);
    drain(q);
    q.push(['h', 'vm1'], 'y');
    expect(leafAt(q, ['h', 'vm1'])).toBe(leaf);
    expect(q.weightOf('h')).toBe(2);
    expect(asked).toEqual(['h', 'h/vm1', 'h', 'h/vm1']);
  });

  it.each([-1, 1.5, Number.NaN, Infinity, '2'])('should refuse spares: %s', (spares) => {
    expect(() => new RoundRobinQueue(undefined, { spares: spares as number })).toThrow(TypeError);
  });
});
