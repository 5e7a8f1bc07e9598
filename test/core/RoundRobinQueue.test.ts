import { afterEach, describe, expect, it, vi } from 'vitest';
import { FifoQueue, QueueNode, RoundRobinQueue } from '../../src/index.js';
import { SEED_ORDER } from '../support/seedOrder.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function drain<T>(q: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = q.next(); v !== undefined; v = q.next()) out.push(v);
  return out;
}

/** The seed's cloud: three compute hosts, each with VMs vm1 and vm2, each VM a FIFO of `events` events. */
function seedCloud(events: number): RoundRobinQueue<string> {
  const host = (h: number): RoundRobinQueue<string> =>
    new RoundRobinQueue<string>({
      vm1: new FifoQueue(Array.from({ length: events }, (_, i) => `compute${h}-vm1-${i}`)),
      vm2: new FifoQueue(Array.from({ length: events }, (_, i) => `compute${h}-vm2-${i}`)),
    });
  return new RoundRobinQueue<string>({ compute1: host(1), compute2: host(2), compute3: host(3) });
}

describe('RoundRobinQueue', () => {
  describe('basics', () => {
    it('should be a QueueNode', () => {
      expect(new RoundRobinQueue()).toBeInstanceOf(QueueNode);
    });

    it('should be empty without children', () => {
      const q = new RoundRobinQueue<string>();
      expect(q.size).toBe(0);
      expect(q.ready).toBe(false);
      expect(q.next()).toBeUndefined();
      expect([...q.keys()]).toEqual([]);
    });

    it('should take its children from a Record, in key order', () => {
      const pol1 = new FifoQueue(['healing']);
      const pol2 = new FifoQueue(['scaling out']);
      const q = new RoundRobinQueue<string>({ pol1, pol2 });
      expect([...q.keys()]).toEqual(['pol1', 'pol2']);
      expect(q.get('pol1')).toBe(pol1);
      expect(q.get('pol2')).toBe(pol2);
      expect(q.get('pol3')).toBeUndefined();
      expect(q.has('pol1')).toBe(true);
      expect(q.has('pol3')).toBe(false);
      expect(q.size).toBe(2);
      expect(q.next()).toBe('healing');
      expect(q.next()).toBe('scaling out');
      expect(q.next()).toBeUndefined();
    });

    it('should take its children from a Map with any keys, in the Map order', () => {
      const k1 = { name: 'vm1' };
      const k2 = { name: 'vm2' };
      const q = new RoundRobinQueue<number, { name: string }>(
        new Map([
          [k2, new FifoQueue([20, 21])],
          [k1, new FifoQueue([10, 11])],
        ]),
      );
      expect([...q.keys()]).toEqual([k2, k1]);
      expect(drain(q)).toEqual([20, 10, 21, 11]);
    });

    it('should match keys as a Map does (NaN is NaN, -0 is 0), with one child and with several', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.add(NaN, new FifoQueue(['nan']));
      expect(q.has(NaN)).toBe(true); // one child
      q.add(-0, new FifoQueue(['zero']));
      expect(q.has(NaN)).toBe(true); // several
      expect(q.has(0)).toBe(true);
      expect(() => q.add(0, new FifoQueue<string>())).toThrow(/already in this node/);
      expect(q.delete(NaN)).toEqual(['nan']);
      expect(q.delete(0)).toEqual(['zero']);
      q.push([NaN, 'p'], 'a'); // one child again
      q.push([NaN, 'p'], 'b');
      expect([...q.keys()]).toEqual([NaN]);
      expect(drain(q)).toEqual(['a', 'b']);
    });

    it('should keep the order keys were added in as a node grows from one child to several and shrinks back', () => {
      const q = new RoundRobinQueue<string>({ a: new FifoQueue(['a1', 'a2']) });
      expect([...q.keys()]).toEqual(['a']);
      q.add('b', new FifoQueue(['b1']));
      q.add('c', new FifoQueue<string>());
      expect([...q.keys()]).toEqual(['a', 'b', 'c']);
      q.delete('a');
      q.delete('c');
      expect([...q.keys()]).toEqual(['b']);
      q.delete('b');
      expect([...q.keys()]).toEqual([]);
      expect(q.size).toBe(0);
      q.add('d', new FifoQueue(['d1']));
      q.add('a', new FifoQueue(['a3']));
      expect([...q.keys()]).toEqual(['d', 'a']);
      expect(drain(q)).toEqual(['d1', 'a3']);
    });

    it('should count events below it, nested ones included', () => {
      const q = seedCloud(3);
      expect(q.size).toBe(18);
      q.next();
      expect(q.size).toBe(17);
      expect((q.get('compute1') as RoundRobinQueue<string>).size).toBe(5);
      expect((q.get('compute2') as RoundRobinQueue<string>).size).toBe(6);
    });
  });

  describe('rotation', () => {
    it('should serve one event of the front child and move it to the back', () => {
      const q = new RoundRobinQueue<string>({
        a: new FifoQueue(['a1', 'a2', 'a3']),
        b: new FifoQueue(['b1', 'b2']),
        c: new FifoQueue(['c1']),
      });
      expect(drain(q)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    });

    it('should keep each leaf FIFO', () => {
      const a = new FifoQueue<number>();
      const q = new RoundRobinQueue<number>({ a });
      for (let i = 0; i < 10; i++) a.push(i);
      expect(drain(q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('should put a child that receives its first event at the back of the rotation', () => {
      const a = new FifoQueue(['a1', 'a2', 'a3']);
      const b = new FifoQueue(['b1']);
      const c = new FifoQueue<string>();
      const q = new RoundRobinQueue<string>({ a, b, c });
      expect(q.next()).toBe('a1'); // rotation: b, a
      c.push('c1'); // rotation: b, a, c
      expect(drain(q)).toEqual(['b1', 'a2', 'c1', 'a3']);
    });

    it('should order children that become non-empty by arrival, not by key order', () => {
      const a = new FifoQueue<string>();
      const b = new FifoQueue<string>();
      const c = new FifoQueue<string>();
      const q = new RoundRobinQueue<string>({ a, b, c });
      c.push('c1');
      a.push('a1');
      b.push('b1');
      c.push('c2');
      expect(drain(q)).toEqual(['c1', 'a1', 'b1', 'c2']);
    });

    it('should let a served-empty child rejoin at the back when it gets an event again', () => {
      const a = new FifoQueue(['a1']);
      const b = new FifoQueue(['b1', 'b2']);
      const q = new RoundRobinQueue<string>({ a, b });
      expect(q.next()).toBe('a1'); // a leaves the rotation
      a.push('a2'); // joins behind b
      expect(drain(q)).toEqual(['b1', 'a2', 'b2']);
    });

    it('should skip empty children at no cost (no scan over children)', () => {
      const children: Record<string, FifoQueue<string>> = {};
      for (let i = 0; i < 1000; i++) children[`empty${i}`] = new FifoQueue<string>();
      children['x'] = new FifoQueue(['x1', 'x2', 'x3']);
      children['y'] = new FifoQueue(['y1']);
      const q = new RoundRobinQueue<string>(children);
      const ready = vi.spyOn(FifoQueue.prototype, 'ready', 'get');
      const out = drain(q);
      const calls = ready.mock.calls.length;
      ready.mockRestore();
      expect(out).toEqual(['x1', 'y1', 'x2', 'x3']);
      // A scan would look at the 1000 empty leaves; a pick looks at the served leaf only.
      expect(calls).toBeLessThanOrEqual(10);
    });
  });

  describe('nested', () => {
    it("should give the seed's order: compute1-vm1, compute2-vm1, compute3-vm1, compute1-vm2, ...", () => {
      const q = seedCloud(2);
      expect(drain(q)).toEqual(SEED_ORDER);
    });

    it('should give a quiet host its turn after one event of each busy host', () => {
      const noisy = new FifoQueue(Array.from({ length: 1000 }, (_, i) => `noisy${i}`));
      const quiet = new FifoQueue<string>();
      const q = new RoundRobinQueue<string>({
        host1: new RoundRobinQueue<string>({ vm1: noisy }),
        host2: new RoundRobinQueue<string>({ vm1: quiet }),
      });
      expect(q.next()).toBe('noisy0');
      quiet.push('quiet0');
      expect(q.next()).toBe('noisy1');
      expect(q.next()).toBe('quiet0');
      expect(q.next()).toBe('noisy2');
    });

    it('should keep a nested node in the rotation only while it has ready events', () => {
      const leaf = new FifoQueue<string>();
      const host = new RoundRobinQueue<string>({ vm: leaf });
      const other = new FifoQueue(['o1', 'o2']);
      const q = new RoundRobinQueue<string>({ host, other });
      expect(q.ready).toBe(true);
      leaf.push('h1'); // host joins behind other
      expect(drain(q)).toEqual(['o1', 'h1', 'o2']);
      expect(host.ready).toBe(false);
      expect(q.ready).toBe(false);
    });
  });

  describe('add', () => {
    it('should append the key and return the node', () => {
      const q = new RoundRobinQueue<string>({ a: new FifoQueue(['a1']) });
      const b = new FifoQueue(['b1', 'b2']);
      expect(q.add('b', b)).toBe(q);
      expect([...q.keys()]).toEqual(['a', 'b']);
      expect(q.get('b')).toBe(b);
      expect(q.size).toBe(3);
      expect(drain(q)).toEqual(['a1', 'b1', 'b2']);
    });

    it('should put an added non-empty child at the back of the rotation', () => {
      const q = new RoundRobinQueue<string>({ a: new FifoQueue(['a1', 'a2']), b: new FifoQueue(['b1', 'b2']) });
      expect(q.next()).toBe('a1'); // rotation: b, a
      q.add('c', new FifoQueue(['c1']));
      expect(drain(q)).toEqual(['b1', 'a2', 'c1', 'b2']);
    });

    it('should add an empty child outside the rotation until it gets an event', () => {
      const q = new RoundRobinQueue<string>({ a: new FifoQueue(['a1', 'a2']) });
      const c = new FifoQueue<string>();
      q.add('c', c);
      expect(q.size).toBe(2);
      expect(q.next()).toBe('a1');
      c.push('c1');
      expect(drain(q)).toEqual(['a2', 'c1']);
    });

    it('should add a nested node with its events', () => {
      const q = new RoundRobinQueue<string>();
      q.add('host', new RoundRobinQueue<string>({ vm1: new FifoQueue(['v1a', 'v1b']), vm2: new FifoQueue(['v2a']) }));
      expect(q.size).toBe(3);
      expect(drain(q)).toEqual(['v1a', 'v2a', 'v1b']);
    });
  });

  describe('delete', () => {
    it('should return the queued events of a leaf, oldest first, and empty the leaf', () => {
      const a = new FifoQueue(['a1', 'a2', 'a3']);
      const b = new FifoQueue(['b1']);
      const q = new RoundRobinQueue<string>({ a, b });
      expect(q.next()).toBe('a1');
      expect(q.delete('a')).toEqual(['a2', 'a3']);
      expect(a.size).toBe(0);
      expect(a.next()).toBeUndefined();
      expect(q.has('a')).toBe(false);
      expect([...q.keys()]).toEqual(['b']);
      expect(q.size).toBe(1);
      expect(drain(q)).toEqual(['b1']);
    });

    it('should return the events of a nested node in key order, each leaf oldest first, and empty it', () => {
      const host = new RoundRobinQueue<string>({
        vm1: new FifoQueue(['v1a', 'v1b']),
        vm2: new FifoQueue(['v2a', 'v2b']),
      });
      const q = new RoundRobinQueue<string>({ host, other: new FifoQueue(['o1']) });
      expect(q.next()).toBe('v1a'); // host's rotation is now vm2, vm1
      expect(q.delete('host')).toEqual(['v1b', 'v2a', 'v2b']);
      expect(host.size).toBe(0);
      expect(host.ready).toBe(false);
      expect(host.next()).toBeUndefined();
      expect(q.size).toBe(1);
      expect(drain(q)).toEqual(['o1']);
    });

    it('should return paused events too', () => {
      const vm1 = new FifoQueue(['v1a']);
      const vm2 = new FifoQueue(['v2a', 'v2b']);
      const host = new RoundRobinQueue<string>({ vm1, vm2 });
      const q = new RoundRobinQueue<string>({ host, other: new FifoQueue(['o1']) });
      host.pause('vm2');
      q.pause('other');
      expect(q.delete('host')).toEqual(['v1a', 'v2a', 'v2b']);
      expect(q.delete('other')).toEqual(['o1']);
      expect(q.size).toBe(0);
      expect(vm2.size).toBe(0);
    });

    it('should keep the rotation going when the front child is deleted', () => {
      const q = new RoundRobinQueue<string>({
        a: new FifoQueue(['a1', 'a2']),
        b: new FifoQueue(['b1', 'b2']),
        c: new FifoQueue(['c1']),
      });
      expect(q.next()).toBe('a1'); // rotation: b, c, a
      expect(q.delete('b')).toEqual(['b1', 'b2']);
      expect(drain(q)).toEqual(['c1', 'a2']);
    });

    it('should tell the ancestors of a deleted grandchild', () => {
      const vm1 = new FifoQueue(['v1a']);
      const host = new RoundRobinQueue<string>({ vm1 });
      const q = new RoundRobinQueue<string>({ host });
      expect(host.delete('vm1')).toEqual(['v1a']);
      expect(q.size).toBe(0);
      expect(q.ready).toBe(false);
      expect(q.next()).toBeUndefined();
    });

    it('should free the deleted child so it can be added elsewhere', () => {
      const a = new FifoQueue(['a1']);
      const q1 = new RoundRobinQueue<string>({ a });
      const q2 = new RoundRobinQueue<string>();
      expect(() => q2.add('a', a)).toThrow(/already has a parent/);
      q1.delete('a');
      a.push('a2');
      expect(q1.size).toBe(0);
      q2.add('a', a);
      expect(q2.size).toBe(1);
      expect(q2.next()).toBe('a2');
    });
  });

  describe('pause and resume', () => {
    it('should skip a paused child but keep its events', () => {
      const q = new RoundRobinQueue<string>({
        a: new FifoQueue(['a1', 'a2']),
        b: new FifoQueue(['b1', 'b2']),
      });
      expect(q.pause('a')).toBe(q);
      expect(q.isPaused('a')).toBe(true);
      expect(q.isPaused('b')).toBe(false);
      expect(q.size).toBe(4);
      expect(drain(q)).toEqual(['b1', 'b2']);
      expect(q.size).toBe(2);
      expect(q.ready).toBe(false);
      expect(q.resume('a')).toBe(q);
      expect(q.isPaused('a')).toBe(false);
      expect(q.ready).toBe(true);
      expect(drain(q)).toEqual(['a1', 'a2']);
    });

    it('should put a resumed child at the back of the rotation', () => {
      const q = new RoundRobinQueue<string>({
        a: new FifoQueue(['a1', 'a2']),
        b: new FifoQueue(['b1', 'b2']),
        c: new FifoQueue(['c1', 'c2']),
      });
      q.pause('a');
      expect(q.next()).toBe('b1'); // rotation: c, b
      q.resume('a'); // rotation: c, b, a
      expect(drain(q)).toEqual(['c1', 'b2', 'a1', 'c2', 'a2']);
    });

    it('should keep a paused child out of the rotation when it receives events', () => {
      const a = new FifoQueue<string>();
      const q = new RoundRobinQueue<string>({ a, b: new FifoQueue(['b1']) });
      q.pause('a');
      a.push('a1');
      expect(q.size).toBe(2);
      expect(drain(q)).toEqual(['b1']);
      q.resume('a');
      expect(drain(q)).toEqual(['a1']);
    });

    it('should be idempotent', () => {
      const q = new RoundRobinQueue<string>({ a: new FifoQueue(['a1']), b: new FifoQueue(['b1']) });
      q.pause('a').pause('a');
      expect(q.next()).toBe('b1');
      q.resume('a').resume('a');
      q.resume('b');
      expect(drain(q)).toEqual(['a1']);
    });

    it('should make an ancestor not ready when the only ready path is paused, and ready again on resume', () => {
      const vm1 = new FifoQueue(['v1']);
      const host = new RoundRobinQueue<string>({ vm1 });
      const q = new RoundRobinQueue<string>({ host });
      host.pause('vm1');
      expect(host.ready).toBe(false);
      expect(q.ready).toBe(false);
      expect(q.size).toBe(1);
      expect(q.next()).toBeUndefined();
      host.resume('vm1');
      expect(q.ready).toBe(true);
      expect(q.next()).toBe('v1');
    });

    it('should skip a paused nested node as a whole', () => {
      const q = seedCloud(1);
      q.pause('compute2');
      expect(drain(q)).toEqual(['compute1-vm1-0', 'compute3-vm1-0', 'compute1-vm2-0', 'compute3-vm2-0']);
      q.resume('compute2');
      expect(drain(q)).toEqual(['compute2-vm1-0', 'compute2-vm2-0']);
    });

    it('should resume an empty child without putting it in the rotation', () => {
      const a = new FifoQueue<string>();
      const q = new RoundRobinQueue<string>({ a, b: new FifoQueue(['b1', 'b2']) });
      q.pause('a');
      q.resume('a');
      expect(q.next()).toBe('b1');
      a.push('a1');
      expect(drain(q)).toEqual(['b2', 'a1']);
    });
  });

  describe('push(path)', () => {
    it('should build the nodes and the leaf a path names, in fair order', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['compute1', 'vm1', 'heal'], 'c1-v1-h-0');
      q.push(['compute1', 'vm1', 'heal'], 'c1-v1-h-1');
      q.push(['compute1', 'vm2', 'heal'], 'c1-v2-h-0');
      q.push(['compute2', 'vm1', 'scale'], 'c2-v1-s-0');
      q.push(['compute1', 'vm1', 'scale'], 'c1-v1-s-0');
      expect(q.size).toBe(5);
      expect([...q.keys()]).toEqual(['compute1', 'compute2']);
      const c1 = q.get('compute1') as RoundRobinQueue<string, unknown>;
      expect(c1).toBeInstanceOf(RoundRobinQueue);
      expect([...c1.keys()]).toEqual(['vm1', 'vm2']);
      const v1 = c1.get('vm1') as RoundRobinQueue<string, unknown>;
      expect([...v1.keys()]).toEqual(['heal', 'scale']);
      expect(v1.get('heal')).toBeInstanceOf(FifoQueue);
      expect(drain(q)).toEqual(['c1-v1-h-0', 'c2-v1-s-0', 'c1-v2-h-0', 'c1-v1-s-0', 'c1-v1-h-1']);
    });

    it('should accept a one-element path (a leaf directly under the node) and any key type', () => {
      const k = { id: 1 };
      const q = new RoundRobinQueue<number, unknown>();
      q.push([k], 1);
      q.push([2], 2);
      q.push([k], 3);
      expect([...q.keys()]).toEqual([k, 2]);
      expect(drain(q)).toEqual([1, 2, 3]);
    });

    it('should prune the branches it created once they are empty', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['h1', 'vm1', 'p'], 'a');
      q.push(['h1', 'vm2', 'p'], 'b');
      q.push(['h2', 'vm1', 'p'], 'c');
      expect(q.next()).toBe('a'); // h1/vm1 emptied: pruned
      const h1 = q.get('h1') as RoundRobinQueue<string, unknown>;
      expect([...h1.keys()]).toEqual(['vm2']);
      expect(q.next()).toBe('c'); // h2 emptied: pruned
      expect([...q.keys()]).toEqual(['h1']);
      expect(q.next()).toBe('b');
      expect([...q.keys()]).toEqual([]);
      expect(q.size).toBe(0);
      // A later event builds the branch again.
      q.push(['h1', 'vm1', 'p'], 'd');
      expect([...q.keys()]).toEqual(['h1']);
      expect(q.next()).toBe('d');
      expect([...q.keys()]).toEqual([]);
    });

    it('should prune after delete of an auto-created child', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['h1', 'vm1'], 'a');
      q.push(['h1', 'vm2'], 'b');
      const h1 = q.get('h1') as RoundRobinQueue<string, unknown>;
      expect(h1.delete('vm1')).toEqual(['a']);
      expect(q.has('h1')).toBe(true);
      expect(h1.delete('vm2')).toEqual(['b']);
      expect(q.has('h1')).toBe(false);
    });

    it('should keep a paused auto-created branch while it is empty', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['h1', 'vm1'], 'a');
      q.push(['h1', 'vm2'], 'b');
      const h1 = q.get('h1') as RoundRobinQueue<string, unknown>;
      h1.pause('vm2');
      expect(drain(q)).toEqual(['a']);
      expect(q.has('h1')).toBe(true);
      expect([...h1.keys()]).toEqual(['vm2']);
      expect(h1.isPaused('vm2')).toBe(true);
      // Events pushed to the paused path wait.
      q.push(['h1', 'vm2'], 'c');
      expect(q.size).toBe(2);
      expect(q.next()).toBeUndefined();
      h1.resume('vm2');
      expect(drain(q)).toEqual(['b', 'c']);
      expect([...q.keys()]).toEqual([]);
    });

    it('should keep a paused auto-created child of the root until it is resumed empty', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['h1', 'vm1'], 'a');
      q.push(['h2', 'vm1'], 'b');
      q.pause('h1');
      expect(drain(q)).toEqual(['b']);
      expect([...q.keys()]).toEqual(['h1']);
      const h1 = q.get('h1') as RoundRobinQueue<string, unknown>;
      expect(h1.next()).toBe('a'); // taken directly while paused in the root
      expect(q.size).toBe(0);
      expect(q.has('h1')).toBe(true); // paused: kept
      q.resume('h1');
      expect(q.has('h1')).toBe(false); // empty and no longer paused: pruned
    });

    it('should prune an auto-created node whose last child was pruned on resume', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['h1', 'vm1'], 'a');
      const h1 = q.get('h1') as RoundRobinQueue<string, unknown>;
      h1.pause('vm1');
      expect((h1.get('vm1') as FifoQueue<string>).clear()).toEqual(['a']);
      expect([...h1.keys()]).toEqual(['vm1']); // paused: kept
      h1.resume('vm1');
      expect([...h1.keys()]).toEqual([]); // empty leaf pruned
      // h1 holds nothing now and was created by push: it must not stay in memory.
      expect(q.has('h1')).toBe(false);
    });

    it('should prune an auto-created node emptied by deleting its last (paused, empty) child', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['h1', 'vm1'], 'a');
      const h1 = q.get('h1') as RoundRobinQueue<string, unknown>;
      h1.pause('vm1');
      expect((h1.get('vm1') as FifoQueue<string>).clear()).toEqual(['a']);
      expect(h1.delete('vm1')).toEqual([]);
      expect([...h1.keys()]).toEqual([]);
      expect(q.has('h1')).toBe(false);
    });

    it('should queue into existing user-given nodes and leaves, and never prune those', () => {
      const heal = new FifoQueue<string>();
      const vm1 = new RoundRobinQueue<string, unknown>({ heal });
      const q = new RoundRobinQueue<string, unknown>(new Map([['vm1', vm1]]));
      q.push(['vm1', 'heal'], 'h1');
      q.push(['vm1', 'scale'], 's1');
      expect(heal.size).toBe(1);
      expect([...vm1.keys()]).toEqual(['heal', 'scale']);
      expect(drain(q)).toEqual(['h1', 's1']);
      expect([...q.keys()]).toEqual(['vm1']);
      expect([...vm1.keys()]).toEqual(['heal']);
    });

    it('should reject a path that is not a non-empty array, changing nothing', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['a'], 'x');
      expect(() => q.push([], 'y')).toThrow(TypeError);
      expect(() => q.push('a' as unknown as unknown[], 'y')).toThrow(TypeError);
      expect(() => q.push(undefined as unknown as unknown[], 'y')).toThrow(TypeError);
      expect(q.size).toBe(1);
      expect([...q.keys()]).toEqual(['a']);
    });

    it('should reject a path too long or too short for the tree, changing nothing', () => {
      const q = new RoundRobinQueue<string, unknown>();
      q.push(['h1', 'vm1'], 'x');
      expect(() => q.push(['h1', 'vm1', 'heal'], 'y')).toThrow(/too long/);
      expect(() => q.push(['h1'], 'y')).toThrow(/too short/);
      expect(() => q.push(['h1', 'vm1', 'heal'], 'y')).toThrow(TypeError);
      expect(q.size).toBe(1);
      expect([...q.keys()]).toEqual(['h1']);
      expect([...(q.get('h1') as RoundRobinQueue<string, unknown>).keys()]).toEqual(['vm1']);
      expect(drain(q)).toEqual(['x']);
    });
  });

  describe('bad input', () => {
    it('should reject a duplicate key on add, changing nothing', () => {
      const a = new FifoQueue(['a1']);
      const q = new RoundRobinQueue<string>({ a });
      const other = new FifoQueue(['o1']);
      expect(() => q.add('a', other)).toThrow(/already in this node/);
      expect(q.get('a')).toBe(a);
      expect(q.size).toBe(1);
      expect([...q.keys()]).toEqual(['a']);
      // `other` was not claimed.
      new RoundRobinQueue<string>({ other });
    });

    it('should reject a child that is not a queue with a TypeError', () => {
      const q = new RoundRobinQueue<string>();
      expect(() => q.add('x', 'bar' as unknown as FifoQueue<string>)).toThrow(TypeError);
      expect(() => q.add('x', {} as unknown as FifoQueue<string>)).toThrow(TypeError);
      expect(() => new RoundRobinQueue<string>({ x: [1] as unknown as FifoQueue<string> })).toThrow(TypeError);
      expect(q.has('x')).toBe(false);
      expect([...q.keys()]).toEqual([]);
    });

    it('should reject a child that already has a parent', () => {
      const a = new FifoQueue(['a1']);
      const q1 = new RoundRobinQueue<string>({ a });
      const q2 = new RoundRobinQueue<string>();
      expect(() => q2.add('a', a)).toThrow(/already has a parent/);
      expect(() => q1.add('again', a)).toThrow(/already has a parent/);
      expect(q2.size).toBe(0);
      expect(q1.size).toBe(1);
      expect([...q1.keys()]).toEqual(['a']);
    });

    it('should reject cycles: a node in itself or in its descendant', () => {
      const root = new RoundRobinQueue<string>();
      const mid = new RoundRobinQueue<string>();
      const low = new RoundRobinQueue<string>();
      root.add('mid', mid);
      mid.add('low', low);
      expect(() => root.add('self', root)).toThrow(/contain itself/);
      expect(() => low.add('root', root)).toThrow(/contain itself/);
      expect([...root.keys()]).toEqual(['mid']);
      expect([...low.keys()]).toEqual([]);
    });

    it('should reject the same queue given twice to the constructor, claiming none', () => {
      const a = new FifoQueue(['a1']);
      const b = new FifoQueue(['b1']);
      expect(() => new RoundRobinQueue<string>({ b, x: a, y: a })).toThrow(/twice/);
      // Neither was attached: both can go elsewhere.
      const q = new RoundRobinQueue<string>({ a, b });
      expect(drain(q)).toEqual(['a1', 'b1']);
    });

    it('should reject a constructor child that already has a parent, claiming none', () => {
      const a = new FifoQueue(['a1']);
      const b = new FifoQueue(['b1']);
      new RoundRobinQueue<string>({ a });
      expect(() => new RoundRobinQueue<string>({ b, a })).toThrow(/already has a parent/);
      const q = new RoundRobinQueue<string>({ b });
      expect(q.next()).toBe('b1');
    });

    it('should reject delete, pause, resume and isPaused of an unknown key, changing nothing', () => {
      const q = new RoundRobinQueue<string>({ a: new FifoQueue(['a1', 'a2']) });
      expect(() => q.delete('nope')).toThrow(/no such child/);
      expect(() => q.pause('nope')).toThrow(/no such child/);
      expect(() => q.resume('nope')).toThrow(/no such child/);
      expect(() => q.isPaused('nope')).toThrow(/no such child/);
      expect(q.size).toBe(2);
      expect([...q.keys()]).toEqual(['a']);
      expect(drain(q)).toEqual(['a1', 'a2']);
    });
  });

  describe('cost', () => {
    it('should drain a large nested backlog in order without Array.prototype.shift', () => {
      const q = new RoundRobinQueue<number, unknown>();
      const shift = vi.spyOn(Array.prototype, 'shift');
      for (let i = 0; i < 60_000; i++) q.push([`h${i % 3}`, `vm${i % 2}`], i);
      const out = drain(q);
      const called = shift.mock.calls.length;
      shift.mockRestore();
      expect(called).toBe(0);
      expect(out.length).toBe(60_000);
      // Rotation h0, h1, h2 and inside each host its two VMs alternate: exactly the push order here.
      expect(out.slice(0, 9)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(out.every((v, i) => v === i)).toBe(true);
      expect(q.size).toBe(0);
      expect([...q.keys()]).toEqual([]);
    });
  });
});
