import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/index.js';

describe('mulberry32', () => {
  it('should repeat its sequence for a seed, and differ for another seed', () => {
    const take = (seed: number) => {
      const random = mulberry32(seed);
      return Array.from({ length: 5 }, () => random());
    };
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    expect(take(1)[0]).toBe(0.6270739405881613);
  });

  it('should return numbers in [0, 1) spread over the range', () => {
    const random = mulberry32(42);
    const buckets = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const x = random();
      expect(x >= 0 && x < 1).toBe(true);
      buckets[Math.floor(x * 10)]! += 1;
    }
    for (const count of buckets) expect(count).toBeGreaterThan(900);
  });
});
