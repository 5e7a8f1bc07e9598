import { afterEach, describe, expect, it, vi } from 'vitest';
import { mulberry32, RingBuffer } from '../../src/index.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RingBuffer', () => {
  it('should start empty', () => {
    const buffer = new RingBuffer<number>();
    expect(buffer.length).toBe(0);
    expect(buffer.shift()).toBeUndefined();
    expect(buffer.peek()).toBeUndefined();
    expect([...buffer]).toEqual([]);
    expect(buffer.drain()).toEqual([]);
  });

  it('should take its initial items from any iterable, in order', () => {
    expect([...new RingBuffer([1, 2, 3])]).toEqual([1, 2, 3]);
    expect([...new RingBuffer(new Set(['a', 'b']))]).toEqual(['a', 'b']);
    function* gen(): Generator<number> {
      yield 7;
      yield 8;
    }
    const buffer = new RingBuffer(gen());
    expect(buffer.length).toBe(2);
    expect(buffer.shift()).toBe(7);
    expect(buffer.shift()).toBe(8);
  });

  it('should shift items in the order they were pushed (FIFO)', () => {
    const buffer = new RingBuffer<string>();
    buffer.push('a');
    buffer.push('b');
    buffer.push('c');
    expect(buffer.length).toBe(3);
    expect(buffer.peek()).toBe('a');
    expect(buffer.shift()).toBe('a');
    expect(buffer.peek()).toBe('b');
    expect(buffer.shift()).toBe('b');
    expect(buffer.shift()).toBe('c');
    expect(buffer.shift()).toBeUndefined();
    expect(buffer.length).toBe(0);
  });

  it('should leave the item in place on peek', () => {
    const buffer = new RingBuffer([1, 2]);
    expect(buffer.peek()).toBe(1);
    expect(buffer.peek()).toBe(1);
    expect(buffer.length).toBe(2);
  });

  it('should grow past its initial capacity keeping the order', () => {
    const buffer = new RingBuffer<number>();
    for (let i = 0; i < 100; i++) buffer.push(i);
    expect(buffer.length).toBe(100);
    expect([...buffer]).toEqual(Array.from({ length: 100 }, (_, i) => i));
    for (let i = 0; i < 100; i++) expect(buffer.shift()).toBe(i);
    expect(buffer.length).toBe(0);
  });

  it('should keep the order when it wraps around the end of its array', () => {
    const buffer = new RingBuffer<number>();
    // Capacity starts at 4: advance the head, then fill so that the items wrap around.
    buffer.push(0);
    buffer.push(1);
    buffer.push(2);
    expect(buffer.shift()).toBe(0);
    expect(buffer.shift()).toBe(1);
    buffer.push(3);
    buffer.push(4);
    buffer.push(5); // slots now hold 4, 5, 2, 3 (head at index 2)
    expect([...buffer]).toEqual([2, 3, 4, 5]);
    expect(buffer.peek()).toBe(2);
    expect(buffer.length).toBe(4);
    // Growing while wrapped must unroll the items in order.
    buffer.push(6);
    buffer.push(7);
    expect([...buffer]).toEqual([2, 3, 4, 5, 6, 7]);
    const out: number[] = [];
    for (let v = buffer.shift(); v !== undefined; v = buffer.shift()) out.push(v);
    expect(out).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('should stay FIFO over a long interleaving of pushes and shifts', () => {
    const buffer = new RingBuffer<number>();
    const model: number[] = [];
    let nextValue = 0;
    // A deterministic pseudo-random walk: the buffer grows, wraps and empties many times.
    const rand = mulberry32(42);
    for (let step = 0; step < 20_000; step++) {
      if (rand() < 0.55) {
        buffer.push(nextValue);
        model.push(nextValue++);
      } else {
        expect(buffer.shift()).toBe(model.length === 0 ? undefined : model.splice(0, 1)[0]);
      }
      expect(buffer.length).toBe(model.length);
    }
    expect([...buffer]).toEqual(model);
  });

  it('should drain every item oldest first and be reusable afterwards', () => {
    const buffer = new RingBuffer<number>();
    for (let i = 0; i < 10; i++) buffer.push(i);
    buffer.shift();
    buffer.shift();
    expect(buffer.drain()).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(buffer.length).toBe(0);
    expect(buffer.shift()).toBeUndefined();
    buffer.push(42);
    buffer.push(43);
    expect([...buffer]).toEqual([42, 43]);
  });

  it('should give memory back after a large backlog drains and keep working (shrink)', () => {
    const buffer = new RingBuffer<number>();
    for (let i = 0; i < 5000; i++) buffer.push(i);
    for (let i = 0; i < 5000; i++) expect(buffer.shift()).toBe(i);
    expect(buffer.length).toBe(0);
    // After shrinking back to a small array it must still grow, wrap and keep order.
    for (let i = 0; i < 3; i++) buffer.push(i);
    expect(buffer.shift()).toBe(0);
    for (let i = 3; i < 2000; i++) buffer.push(i);
    const out: number[] = [];
    for (let v = buffer.shift(); v !== undefined; v = buffer.shift()) out.push(v);
    expect(out).toEqual(Array.from({ length: 1999 }, (_, i) => i + 1));
  });

  it('should clear taken slots so the garbage collector can take them', () => {
    // Observable through the iterator: after shifting, the taken item must not come back.
    const buffer = new RingBuffer<object>();
    const a = { a: 1 };
    const b = { b: 2 };
    buffer.push(a);
    buffer.push(b);
    expect(buffer.shift()).toBe(a);
    expect([...buffer]).toEqual([b]);
    expect(buffer.shift()).toBe(b);
    expect([...buffer]).toEqual([]);
  });

  it('should hold falsy items like any others', () => {
    const buffer = new RingBuffer<unknown>([0, '', false, null]);
    expect(buffer.length).toBe(4);
    expect(buffer.shift()).toBe(0);
    expect(buffer.shift()).toBe('');
    expect(buffer.shift()).toBe(false);
    expect(buffer.shift()).toBe(null);
    expect(buffer.length).toBe(0);
  });

  it('should not use Array.prototype.shift', () => {
    const buffer = new RingBuffer<number>();
    const shift = vi.spyOn(Array.prototype, 'shift');
    for (let i = 0; i < 50_000; i++) buffer.push(i);
    let sum = 0;
    for (let i = 0; i < 50_000; i++) sum += buffer.shift() as number;
    const called = shift.mock.calls.length;
    shift.mockRestore();
    expect(sum).toBe((50_000 * 49_999) / 2);
    expect(called).toBe(0);
  });
});
