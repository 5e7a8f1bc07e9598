import { afterEach, describe, expect, it, vi } from 'vitest';
import { FifoQueue, QueueNode, RoundRobinQueue } from '../../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

function drain<T>(q: { next(): T | undefined }): T[] {
  const out: T[] = [];
  for (let v = q.next(); v !== undefined; v = q.next()) out.push(v);
  return out;
}

describe('FifoQueue', () => {
  it('should be a QueueNode', () => {
    expect(new FifoQueue()).toBeInstanceOf(QueueNode);
  });

  it('should return undefined from next() when empty', () => {
    const q = new FifoQueue<string>();
    expect(q.size).toBe(0);
    expect(q.ready).toBe(false);
    expect(q.next()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('should hand out its initial items, then pushed ones, in order', () => {
    const q = new FifoQueue(['healing']);
    q.push('scaling out');
    q.push('scaling in');
    expect(q.size).toBe(3);
    expect(q.ready).toBe(true);
    expect(q.next()).toBe('healing');
    expect(q.next()).toBe('scaling out');
    expect(q.size).toBe(1);
    expect(q.next()).toBe('scaling in');
    expect(q.next()).toBeUndefined();
    expect(q.ready).toBe(false);
  });

  it('should peek without taking', () => {
    const q = new FifoQueue([1, 2]);
    expect(q.peek()).toBe(1);
    expect(q.size).toBe(2);
    expect(q.next()).toBe(1);
    expect(q.peek()).toBe(2);
  });

  it('should iterate oldest first without taking', () => {
    const q = new FifoQueue([1, 2, 3]);
    q.next();
    q.push(4);
    expect([...q]).toEqual([2, 3, 4]);
    expect(q.size).toBe(3);
  });

  it('should clear and return every item oldest first', () => {
    const q = new FifoQueue(['a', 'b']);
    q.push('c');
    expect(q.clear()).toEqual(['a', 'b', 'c']);
    expect(q.size).toBe(0);
    expect(q.next()).toBeUndefined();
    expect(q.clear()).toEqual([]);
  });

  it('should keep a parent informed of push, next and clear', () => {
    const a = new FifoQueue<string>();
    const b = new FifoQueue<string>(['b1']);
    const parent = new RoundRobinQueue<string>({ a, b });
    expect(parent.size).toBe(1);
    a.push('a1');
    a.push('a2');
    expect(parent.size).toBe(3);
    // b was ready first, a joined the back when it received its first event.
    expect(parent.next()).toBe('b1');
    expect(a.next()).toBe('a1'); // taken directly from the leaf
    expect(parent.size).toBe(1);
    expect(a.clear()).toEqual(['a2']);
    expect(parent.size).toBe(0);
    expect(parent.ready).toBe(false);
    expect(parent.next()).toBeUndefined();
    a.push('a3');
    expect(parent.ready).toBe(true);
    expect(parent.next()).toBe('a3');
  });

  it('should handle a large backlog without Array.prototype.shift', () => {
    const q = new FifoQueue<number>();
    const shift = vi.spyOn(Array.prototype, 'shift');
    for (let i = 0; i < 100_000; i++) q.push(i);
    const out = drain(q);
    const called = shift.mock.calls.length;
    shift.mockRestore();
    expect(called).toBe(0);
    expect(out.length).toBe(100_000);
    expect(out.every((v, i) => v === i)).toBe(true);
  });

  // FifoQueue keeps its ring buffer in itself (not in a RingBuffer): the ring's cases, checked here against an array.
  it('should stay FIFO across growth and wrap-around, with size and iteration agreeing', () => {
    const q = new FifoQueue<number>();
    const model: number[] = [];
    let next = 0;
    // Bursts of pushes longer than the takes between them: the head moves around the array while it grows.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round % 7) + 1; i++) {
        q.push(next);
        model.push(next++);
      }
      for (let i = 0; i < round % 5; i++) expect(q.next()).toBe(model.shift());
      // What bounded leaves do to a full queue: replace the newest event ('latest'), slide ('drop-oldest').
      if (model.length > 0 && round % 3 === 0) {
        expect(q._replaceNewest(-round)).toBe(model[model.length - 1]);
        model[model.length - 1] = -round;
      }
      if (model.length > 0 && round % 4 === 1) {
        expect(q._slide(next)).toBe(model.shift());
        model.push(next++);
      }
      expect(q.size).toBe(model.length);
      expect(q.peek()).toBe(model[0]);
      expect([...q]).toEqual(model);
    }
    expect(drain(q)).toEqual(model);
    expect(q.size).toBe(0);
  });

  it('should hold falsy items like any others, and work again after a clear', () => {
    const q = new FifoQueue<unknown>([undefined, 0, '', null, false]);
    expect(q.size).toBe(5);
    expect(q.clear()).toEqual([undefined, 0, '', null, false]);
    expect(q.size).toBe(0);
    expect(q.next()).toBeUndefined();
    for (let i = 0; i < 10; i++) q.push(i);
    expect(drain(q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('should keep working once a large backlog drained (its array is then replaced by a small one)', () => {
    const q = new FifoQueue<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    expect(drain(q).length).toBe(5000);
    q.push(1);
    q.push(2);
    expect(drain(q)).toEqual([1, 2]);
  });
});
