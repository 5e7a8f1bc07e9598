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
});
