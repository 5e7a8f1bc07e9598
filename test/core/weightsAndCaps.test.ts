import { describe, expect, it } from 'vitest';
import { FifoQueue, QueueNode, RoundRobinQueue } from '../../src/index.js';

function drain<T>(q: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = q.next(); v !== undefined; v = q.next()) out.push(v);
  return out;
}

const fifo = (prefix: string, n: number): FifoQueue<string> =>
  new FifoQueue(Array.from({ length: n }, (_, i) => `${prefix}${i}`));

describe('RoundRobinQueue weights', () => {
  it('should give a child of weight w w turns in a row', () => {
    const q = new RoundRobinQueue<string>({ a: fifo('a', 5), b: fifo('b', 3) }, { weights: { a: 2 } });
    expect(drain(q)).toEqual(['a0', 'a1', 'b0', 'a2', 'a3', 'b1', 'a4', 'b2']);
  });

  it('should keep the seed order with every weight 1', () => {
    const q = new RoundRobinQueue<string>({ a: fifo('a', 2), b: fifo('b', 2) }, { weights: { a: 1, b: 1 } });
    expect(drain(q)).toEqual(['a0', 'b0', 'a1', 'b1']);
  });

  it('should move a weighted child on as soon as it runs empty, with its turns reset', () => {
    const a = fifo('a', 1);
    const q = new RoundRobinQueue<string>({ a, b: fifo('b', 3) }, { weights: { a: 3 } });
    expect(q.next()).toBe('a0');
    a.push('a1');
    a.push('a2');
    // a rejoined at the back with fresh turns.
    expect(drain(q)).toEqual(['b0', 'a1', 'a2', 'b1', 'b2']);
  });

  it('should weigh a child node as a whole: it serves its own rotation on each of its turns', () => {
    const host = new RoundRobinQueue<string>({ vm1: fifo('v1-', 2), vm2: fifo('v2-', 2) });
    const q = new RoundRobinQueue<string>({ host, other: fifo('o', 2) }, { weights: { host: 2 } });
    expect(drain(q)).toEqual(['v1-0', 'v2-0', 'o0', 'v1-1', 'v2-1', 'o1']);
  });

  it('should set weights with add and setWeight, and report them with weightOf', () => {
    const q = new RoundRobinQueue<string>();
    q.add('a', fifo('a', 4), { weight: 3 }).add('b', fifo('b', 2));
    expect(q.weightOf('a')).toBe(3);
    expect(q.weightOf('b')).toBe(1);
    expect(q.next()).toBe('a0');
    q.setWeight('a', 1); // a's turns start afresh: one turn, then b
    expect(drain(q)).toEqual(['a1', 'b0', 'a2', 'b1', 'a3']);
  });

  it('should weigh the branches push(path) creates with pathWeight', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { pathWeight: (path) => (path[0] === 'h1' ? 2 : 1) });
    for (const e of ['a', 'b', 'c', 'd']) q.push(['h1', 'v'], e);
    for (const e of ['x', 'y']) q.push(['h2', 'v'], e);
    expect(drain(q)).toEqual(['a', 'b', 'x', 'c', 'd', 'y']);
  });

  it('should reject bad weights with a clear error, applying nothing', () => {
    const a = fifo('a', 1);
    expect(() => new RoundRobinQueue<string>({ a }, { weights: { a: 0 } })).toThrow(
      /Expected `weights` of key "a" to be a positive integer, got 0/,
    );
    expect(a._parent).toBeNull(); // not claimed by the node that failed
    expect(() => new RoundRobinQueue<string>({ a }, { weights: { zz: 2 } })).toThrow(/no such child/);
    const q = new RoundRobinQueue<string>({ a });
    expect(() => q.setWeight('a', 1.5)).toThrow(TypeError);
    expect(() => q.setWeight('a', Infinity)).toThrow(/positive integer/);
    expect(() => q.setWeight('zz', 2)).toThrow(/Cannot setWeight key "zz": no such child/);
    expect(() => q.add('b', fifo('b', 1), { weight: -1 })).toThrow(/positive integer/);
    expect(q.has('b')).toBe(false);
    expect(q.weightOf('a')).toBe(1);
    const paths = new RoundRobinQueue<string, unknown>(undefined, { pathWeight: () => 0 });
    expect(() => paths.push(['h1', 'v'], 'e')).toThrow(
      /Expected the weight of \["h1"\] to be a positive integer, got 0/,
    );
    expect(paths.has('h1')).toBe(false);
    expect(paths.size).toBe(0);
  });
});

describe('RoundRobinQueue caps', () => {
  it('should skip a node at its cap until one of its events is released, then put it at the back', () => {
    const vm1 = new RoundRobinQueue<string>({ heal: fifo('h', 2), migrate: fifo('m', 1) }, { cap: 1 });
    const q = new RoundRobinQueue<string>({ vm1, vm2: fifo('x', 3) });
    expect(q.take()).toBe('h0');
    const leaf = q.lastTaken as QueueNode<string>;
    expect(leaf).toBe(vm1.get('heal'));
    expect([vm1.active, q.active, vm1.ready]).toEqual([1, 1, false]);
    expect(q.take()).toBe('x0');
    expect(q.take()).toBe('x1'); // work-conserving: vm2 gets the turns vm1 cannot use
    leaf.release();
    expect([vm1.active, q.active, vm1.ready]).toEqual([0, 2, true]);
    expect(q.take()).toBe('x2'); // vm1 rejoined at the back, behind vm2
    expect(q.take()).toBe('m0');
    expect(q.take()).toBeUndefined(); // vm1 at its cap again, vm2 empty
    expect(q.ready).toBe(false);
    expect(q.size).toBe(1);
  });

  it('should make next() skip capped nodes without counting', () => {
    const a = fifo('a', 2).setCap(1);
    const q = new RoundRobinQueue<string>({ a, b: fifo('b', 2) });
    expect(drain(q)).toEqual(['a0', 'b0', 'a1', 'b1']);
    expect(q.active).toBe(0);
  });

  it("should cap the node take() is called on, and a root's own cap", () => {
    const q = new RoundRobinQueue<string>({ a: fifo('a', 3) }, { cap: 2 });
    expect([q.take(), q.take(), q.take()]).toEqual(['a0', 'a1', undefined]);
    expect(q.cap).toBe(2);
    q.setCap(3);
    expect(q.take()).toBe('a2');
  });

  it('should let a lowered cap cancel nothing, and a raised one take effect at once', () => {
    const a = fifo('a', 4);
    const q = new RoundRobinQueue<string>({ a, b: fifo('b', 1) }, { caps: { a: 3 } });
    q.take();
    q.take(); // a0, b0
    q.take(); // a1
    a.setCap(1);
    expect(q.take()).toBeUndefined();
    a.release();
    expect(q.take()).toBeUndefined(); // still 1 active, cap 1
    a.release();
    expect(q.take()).toBe('a2');
    a.setCap(Infinity);
    expect(q.take()).toBe('a3');
  });

  it('should stop counting the running events of a deleted child above it, and release them below', () => {
    const vm = new RoundRobinQueue<string>({ heal: fifo('h', 2) });
    const q = new RoundRobinQueue<string>({ vm, other: fifo('o', 1) }, { cap: 1 });
    expect(q.take()).toBe('h0');
    const leaf = q.lastTaken as QueueNode<string>;
    expect(q.ready).toBe(false);
    expect(q.delete('vm')).toEqual(['h1']);
    expect([q.active, q.ready, vm.active]).toEqual([0, true, 1]);
    leaf.release(); // walks the detached subtree only
    expect([vm.active, q.active]).toEqual([0, 0]);
    expect(q.take()).toBe('o0');
  });

  it('should count the running events of a child that is added again', () => {
    const a = fifo('a', 2);
    const q1 = new RoundRobinQueue<string>({ a });
    q1.take();
    q1.delete('a');
    const q2 = new RoundRobinQueue<string>({ b: fifo('b', 1) }, { cap: 1 });
    q2.add('a', a);
    expect(q2.active).toBe(1);
    expect(q2.take()).toBeUndefined();
    a.release();
    expect(q2.take()).toBe('b0');
  });

  it('should keep a paused node counting its running events, and resume it below its cap', () => {
    const vm = fifo('v', 3);
    const q = new RoundRobinQueue<string>({ vm }, { caps: { vm: 1 } });
    q.take();
    q.pause('vm');
    vm.release();
    expect(q.take()).toBeUndefined();
    q.resume('vm');
    expect(q.take()).toBe('v1');
  });

  it('should keep a branch push(path) created while its events run, and prune it once they are released', () => {
    const q = new RoundRobinQueue<string, unknown>(undefined, { pathCaps: [1] });
    q.push(['h1', 'v1'], 'a');
    q.push(['h1', 'v2'], 'b');
    expect(q.take()).toBe('a');
    const leaf = q.lastTaken as QueueNode<string>;
    expect(q.take()).toBeUndefined(); // h1 at its cap of 1
    expect(q.has('h1')).toBe(true);
    leaf.release();
    expect(q.take()).toBe('b');
    (q.lastTaken as QueueNode<string>).release();
    expect(q.has('h1')).toBe(false); // nothing queued, nothing running: pruned
  });

  it('should reject bad caps with a clear error, applying nothing', () => {
    const a = fifo('a', 1);
    expect(() => new RoundRobinQueue<string>({ a }, { caps: { a: 0 } })).toThrow(
      /Expected `caps` of key "a" to be a positive integer or Infinity, got 0/,
    );
    expect(a._parent).toBeNull();
    expect(() => new RoundRobinQueue<string>({ a }, { cap: 2.5 })).toThrow(
      /Expected `cap` to be a positive integer or Infinity/,
    );
    expect(() => new RoundRobinQueue<string>(undefined, { pathCaps: [1, -1] })).toThrow(/Expected `pathCaps\[1\]`/);
    expect(() => a.setCap(Number.NaN)).toThrow(TypeError);
    expect(a.cap).toBe(Infinity);
    expect(() => a.release()).toThrow(/without a matching take/);
  });
});
