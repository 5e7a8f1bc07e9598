import { describe, expect, it } from 'vitest';
import { BoundedFifoQueue, FifoQueue, OverflowError, RoundRobinQueue, type DropReason } from '../../src/index.js';

function drain<T>(q: { ready: boolean; next(): T | undefined }): T[] {
  const out: T[] = [];
  while (q.ready) out.push(q.next() as T);
  return out;
}

/** A bounded queue whose drops are recorded as `[event, reason, path]`. */
function recorded<T>(size: number | undefined, overflow: 'drop-oldest' | 'drop-newest' | 'latest') {
  const drops: [T, DropReason, readonly unknown[]][] = [];
  const q = new BoundedFifoQueue<T>({
    size,
    overflow,
    onDrop: (event, reason, path) => drops.push([event, reason, path]),
  });
  return { q, drops };
}

describe('BoundedFifoQueue', () => {
  it('should be a FifoQueue that behaves like one below its bound', () => {
    const { q, drops } = recorded<string>(3, 'drop-oldest');
    expect(q).toBeInstanceOf(FifoQueue);
    q.push('a');
    q.push('b');
    expect(q.size).toBe(2);
    expect(q.capacity).toBe(3);
    expect(q.overflow).toBe('drop-oldest');
    expect(drain(q)).toEqual(['a', 'b']);
    expect(drops).toEqual([]);
  });

  describe("'error'", () => {
    it('should throw an OverflowError from push when full and change nothing', () => {
      const q = new BoundedFifoQueue<string>({ size: 2, overflow: 'error' }, ['a', 'b']);
      let thrown: unknown;
      try {
        q.push('c');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(OverflowError);
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as OverflowError).name).toBe('OverflowError');
      expect((thrown as OverflowError).size).toBe(2);
      expect((thrown as OverflowError).path).toEqual([]);
      expect((thrown as OverflowError).message).toMatch(/full \(size 2/);
      expect([...q]).toEqual(['a', 'b']);
      q.next();
      q.push('c'); // room again
      expect([...q]).toEqual(['b', 'c']);
    });

    it('should name the key path of a leaf in a tree', () => {
      const heal = new BoundedFifoQueue<string>({ size: 1, overflow: 'error' });
      const root = new RoundRobinQueue<string>({ vm1: new RoundRobinQueue<string>({ heal }) });
      heal.push('a');
      expect(() => heal.push('b')).toThrow(/Leaf \["vm1", "heal"\] is full \(size 1/);
      expect(() => heal.push('b')).toThrow(expect.objectContaining({ path: ['vm1', 'heal'], size: 1 }));
      expect(drain(root)).toEqual(['a']);
    });

    it('should take no onDrop (nothing is ever dropped)', () => {
      expect(() => new BoundedFifoQueue({ size: 1, overflow: 'error' })).not.toThrow();
    });
  });

  describe("'drop-oldest'", () => {
    it('should drop the oldest queued event and report it', () => {
      const { q, drops } = recorded<string>(2, 'drop-oldest');
      for (const e of ['a', 'b', 'c', 'd']) q.push(e);
      expect(drops).toEqual([
        ['a', 'drop-oldest', []],
        ['b', 'drop-oldest', []],
      ]);
      expect(drain(q)).toEqual(['c', 'd']);
    });

    it('should keep working across the ring buffer wrapping around', () => {
      const { q, drops } = recorded<number>(3, 'drop-oldest');
      for (let i = 0; i < 100; i++) {
        q.push(i);
        if (i % 7 === 0) q.next();
      }
      expect(q.size).toBe(3);
      expect([...q]).toEqual([97, 98, 99]);
      expect(drops.length + 15 + 3).toBe(100); // 15 taken (0, 7, ..., 98), 3 queued
    });
  });

  describe("'drop-newest'", () => {
    it('should refuse the arriving event and report it', () => {
      const { q, drops } = recorded<string>(2, 'drop-newest');
      for (const e of ['a', 'b', 'c', 'd']) q.push(e);
      expect(drops).toEqual([
        ['c', 'drop-newest', []],
        ['d', 'drop-newest', []],
      ]);
      expect(drain(q)).toEqual(['a', 'b']);
    });
  });

  describe("'latest'", () => {
    it('should hold one event, replaced by each new one (conflation)', () => {
      const { q, drops } = recorded<string>(undefined, 'latest');
      expect(q.capacity).toBe(1);
      q.push('ACTIVE');
      q.push('MAINTENANCE');
      q.push('DOWN');
      expect(drops).toEqual([
        ['ACTIVE', 'latest', []],
        ['MAINTENANCE', 'latest', []],
      ]);
      expect(drain(q)).toEqual(['DOWN']);
      q.push('ACTIVE');
      expect(drain(q)).toEqual(['ACTIVE']);
      expect(drops).toHaveLength(2);
    });

    it('should accept size 1 and reject any other size', () => {
      expect(new BoundedFifoQueue({ size: 1, overflow: 'latest', onDrop: () => {} }).capacity).toBe(1);
      expect(() => new BoundedFifoQueue({ size: 2, overflow: 'latest', onDrop: () => {} })).toThrow(
        new TypeError("Expected no `size` (or 1) with overflow 'latest', got 2"),
      );
    });

    it('should keep the leaf at its place in the rotation', () => {
      const { q: vm1, drops } = recorded<string>(undefined, 'latest');
      const vm2 = new FifoQueue<string>();
      const vm3 = new FifoQueue<string>();
      const host = new RoundRobinQueue<string>({ vm1, vm2, vm3 });
      vm1.push('MAINTENANCE');
      vm2.push('x');
      vm3.push('y');
      vm1.push('DOWN'); // replaces MAINTENANCE in place: vm1 is still first
      expect(drain(host)).toEqual(['DOWN', 'x', 'y']);
      expect(drops).toEqual([['MAINTENANCE', 'latest', ['vm1']]]);
    });
  });

  it('should bound a paused leaf: its events are dropped while it is paused', () => {
    const { q: heal, drops } = recorded<string>(2, 'drop-oldest');
    const vm = new RoundRobinQueue<string>({ heal });
    vm.pause('heal');
    for (const e of ['a', 'b', 'c']) heal.push(e);
    expect(vm.ready).toBe(false);
    expect(drops).toEqual([['a', 'drop-oldest', ['heal']]]);
    vm.resume('heal');
    expect(drain(vm)).toEqual(['b', 'c']);
  });

  it('should apply the policy to the initial items', () => {
    const drops: string[] = [];
    const q = new BoundedFifoQueue<string>({ size: 2, overflow: 'drop-oldest', onDrop: (e) => drops.push(e) }, [
      'a',
      'b',
      'c',
    ]);
    expect([...q]).toEqual(['b', 'c']);
    expect(drops).toEqual(['a']);
    expect(() => new BoundedFifoQueue<string>({ size: 1, overflow: 'error' }, ['a', 'b'])).toThrow(OverflowError);
  });

  it('should not report events taken, cleared or handed back by delete', () => {
    const { q: heal, drops } = recorded<string>(2, 'drop-newest');
    const root = new RoundRobinQueue<string>({ heal });
    heal.push('a');
    expect(root.next()).toBe('a');
    heal.push('b');
    expect(heal.clear()).toEqual(['b']);
    heal.push('c');
    expect(root.delete('heal')).toEqual(['c']);
    expect(drops).toEqual([]);
  });

  it('should let a throwing onDrop reach the caller of push, with the change made', () => {
    const q = new BoundedFifoQueue<string>(
      {
        size: 1,
        overflow: 'drop-oldest',
        onDrop: () => {
          throw new Error('boom');
        },
      },
      ['a'],
    );
    expect(() => q.push('b')).toThrow('boom');
    expect([...q]).toEqual(['b']);
  });

  describe('bad options', () => {
    const onDrop = (): void => {};
    it.each([
      [undefined, /Expected an options object, got undefined/],
      [{ size: 2 }, /Expected `overflow` to be 'error', 'drop-oldest', 'drop-newest' or 'latest', got undefined/],
      [{ size: 2, overflow: 'sliding', onDrop }, /got "sliding"/],
      [{ overflow: 'drop-oldest', onDrop }, /Expected `size` to be a positive integer, got undefined/],
      [{ size: 0, overflow: 'drop-oldest', onDrop }, /Expected `size` to be a positive integer, got 0/],
      [{ size: 1.5, overflow: 'drop-newest', onDrop }, /got 1.5/],
      [{ size: Infinity, overflow: 'error' }, /got Infinity/],
      [
        { size: 2, overflow: 'drop-oldest' },
        /Expected `onDrop` with overflow 'drop-oldest': nothing is dropped silently/,
      ],
      [{ overflow: 'latest' }, /Expected `onDrop` with overflow 'latest'/],
      [{ size: 2, overflow: 'drop-newest', onDrop: 'log' }, /Expected `onDrop` to be a function, got "log"/],
    ])('should reject %j', (options, message) => {
      expect(() => new BoundedFifoQueue(options as never)).toThrow(message);
      expect(() => new BoundedFifoQueue(options as never)).toThrow(TypeError);
    });
  });
});

describe('RoundRobinQueue pathBound', () => {
  it('should bound every leaf push(path) creates, and report drops with their path', () => {
    const drops: [string, DropReason, readonly unknown[]][] = [];
    const tree = new RoundRobinQueue<string, unknown>(undefined, {
      pathBound: { size: 2, overflow: 'drop-oldest', onDrop: (e, reason, path) => drops.push([e, reason, path]) },
    });
    for (const e of ['a1', 'a2', 'a3']) tree.push(['h1', 'vm1'], e);
    for (const e of ['b1', 'b2']) tree.push(['h1', 'vm2'], e);
    tree.push(['h2', 'vm1'], 'c1');
    expect(drops).toEqual([['a1', 'drop-oldest', ['h1', 'vm1']]]);
    expect((tree.get('h1') as RoundRobinQueue<string>).get('vm1')).toBeInstanceOf(BoundedFifoQueue);
    expect(drain(tree)).toEqual(['a2', 'c1', 'b1', 'a3', 'b2']);
  });

  it('should bound a leaf again once it was pruned and comes back', () => {
    const drops: string[] = [];
    const tree = new RoundRobinQueue<string, unknown>(undefined, {
      pathBound: { overflow: 'latest', onDrop: (e) => drops.push(e) },
    });
    tree.push(['vm1'], 'MAINTENANCE');
    expect(tree.next()).toBe('MAINTENANCE');
    expect(tree.has('vm1')).toBe(false);
    tree.push(['vm1'], 'MAINTENANCE');
    tree.push(['vm1'], 'DOWN');
    expect(drops).toEqual(['MAINTENANCE']);
    expect(drain(tree)).toEqual(['DOWN']);
  });

  it("should throw an OverflowError naming the path with 'error', leaving the tree as it was", () => {
    const tree = new RoundRobinQueue<string, unknown>(undefined, { pathBound: { size: 1, overflow: 'error' } });
    tree.push(['h1', 'vm1'], 'a');
    expect(() => tree.push(['h1', 'vm1'], 'b')).toThrow(
      expect.objectContaining({ name: 'OverflowError', path: ['h1', 'vm1'], size: 1 }),
    );
    expect(drain(tree)).toEqual(['a']);
  });

  it('should combine with caps and weights', () => {
    const drops: string[] = [];
    const tree = new RoundRobinQueue<string, unknown>(undefined, {
      pathWeight: (path) => (path[0] === 'h1' ? 2 : 1),
      pathCaps: [1],
      pathBound: { size: 1, overflow: 'drop-newest', onDrop: (e) => drops.push(e) },
    });
    tree.push(['h1', 'x'], 'a');
    tree.push(['h1', 'x'], 'b');
    tree.push(['h1', 'y'], 'c');
    tree.push(['h2', 'x'], 'd');
    expect(drops).toEqual(['b']);
    expect(tree.take()).toBe('a'); // h1 is at its cap of 1 now
    const leaf = tree.lastTaken;
    expect(tree.take()).toBe('d');
    expect(tree.take()).toBeUndefined();
    leaf?.release();
    expect(tree.take()).toBe('c');
  });

  it('should reject a bad pathBound at construction', () => {
    expect(() => new RoundRobinQueue(undefined, { pathBound: { size: 2, overflow: 'drop-oldest' } })).toThrow(
      /Expected `onDrop` with overflow 'drop-oldest'/,
    );
    expect(() => new RoundRobinQueue(undefined, { pathBound: 5 as never })).toThrow(TypeError);
  });
});
