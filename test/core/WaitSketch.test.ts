import { describe, expect, it } from 'vitest';
import { WaitSketch } from '../../src/index.js';

/** Nearest-rank quantile of values (the reference). */
function nearestRank(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
}

describe('WaitSketch', () => {
  it('should answer NaN with nothing recorded', () => {
    const sketch = new WaitSketch();
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.5)).toBeNaN();
    expect(sketch.max).toBeNaN();
    expect(sketch.min).toBeNaN();
  });

  it('should give exact nearest-rank quantiles up to 2,048 values', () => {
    const sketch = new WaitSketch();
    const values = Array.from({ length: 2048 }, (_, i) => ((i * 7919) % 2048) / 3);
    for (const v of values) sketch.record(v);
    for (const q of [0, 0.01, 0.5, 0.9, 0.99, 1]) expect(sketch.quantile(q)).toBe(nearestRank(values, q));
    expect(sketch.max).toBe(Math.max(...values));
    expect(sketch.count).toBe(2048);
  });

  it('should stay exact for values recorded after a quantile was read, up to the fold and past it', () => {
    const sketch = new WaitSketch();
    const values: number[] = [];
    for (let i = 0; i < 2100; i++) {
      const v = ((i * 7919) % 2100) / 3;
      sketch.record(v);
      values.push(v);
      if (i % 97 === 0 || i === 2047) expect(sketch.quantile(0.5)).toBe(nearestRank(values, 0.5));
    }
    expect(sketch.count).toBe(2100);
    expect(sketch.max).toBe(Math.max(...values));
    expect(sketch.min).toBe(0);
  });

  it('should stay within 1 % beyond 2,048 values, with an exact count, min and max', () => {
    const sketch = new WaitSketch();
    const values = Array.from({ length: 50_000 }, (_, i) => 0.5 + ((i * 104729) % 100_000) / 7);
    for (const v of values) sketch.record(v);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = nearestRank(values, q);
      expect(Math.abs(sketch.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.01);
    }
    expect(sketch.count).toBe(50_000);
    expect(sketch.max).toBe(Math.max(...values));
    expect(sketch.min).toBe(0.5);
    expect(sketch.quantile(1)).toBe(sketch.max);
  });

  it('should pick by nearest rank, never interpolating', () => {
    const quantile = (values: readonly number[], q: number): number => {
      const sketch = new WaitSketch();
      for (const v of values) sketch.record(v);
      return sketch.quantile(q);
    };
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([4, 3, 2, 1], 0.99)).toBe(4);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(hundred, 0.5)).toBe(50);
    expect(quantile(hundred, 0.99)).toBe(99);
    expect(quantile(hundred, 1)).toBe(100);
  });

  it('should read count, p50, p90, p99 and max at once, and null with nothing recorded', () => {
    const sketch = new WaitSketch();
    expect(sketch.percentiles()).toBeNull();
    for (const v of [5, 1, 3]) sketch.record(v);
    expect(sketch.percentiles()).toEqual({ count: 3, p50: 3, p90: 5, p99: 5, max: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    sketch.clear();
    for (const v of hundred) sketch.record(v);
    expect(sketch.percentiles()).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('should count negative values as 0 and refuse NaN and quantiles outside [0, 1]', () => {
    const sketch = new WaitSketch();
    sketch.record(-3);
    expect(sketch.max).toBe(0);
    expect(() => sketch.record(Number.NaN)).toThrow(TypeError);
    expect(sketch.count).toBe(1);
    expect(() => sketch.quantile(1.5)).toThrow(RangeError);
    expect(() => sketch.quantile(Number.NaN)).toThrow(RangeError);
  });

  it('should forget everything on clear, histogram included', () => {
    const sketch = new WaitSketch();
    for (let i = 0; i < 5000; i++) sketch.record(i);
    sketch.clear();
    expect(sketch.count).toBe(0);
    sketch.record(7);
    expect(sketch.quantile(0.5)).toBe(7);
  });
});
