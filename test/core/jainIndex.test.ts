import { describe, expect, it } from 'vitest';
import { jainIndex } from '../../src/index.js';

describe('jainIndex', () => {
  it('should be 1 for equal shares, 1/n when one gets everything, null with nothing shared', () => {
    expect(jainIndex([5, 5, 5, 5])).toBe(1);
    expect(jainIndex([8, 0, 0, 0])).toBe(0.25);
    expect(jainIndex([1, 3])).toBeCloseTo(16 / 20);
    expect(jainIndex([])).toBeNull();
    expect(jainIndex([0, 0])).toBeNull();
  });

  it('should stay within [1/n, 1] and ignore the scale', () => {
    const shares = [3, 1, 4, 1, 5, 9, 2, 6];
    const index = jainIndex(shares) as number;
    expect(index).toBeGreaterThanOrEqual(1 / shares.length);
    expect(index).toBeLessThanOrEqual(1);
    expect(jainIndex(shares.map((x) => x * 1000))).toBeCloseTo(index, 12);
  });
});
