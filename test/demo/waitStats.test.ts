import { describe, expect, it } from 'vitest';
import { waitStats } from '../../src/demo/waitStats.js';

describe('waitStats', () => {
  it('should sort numerically and skip events never dispatched', () => {
    expect(waitStats([10, 9, 100, Number.NaN, 2])).toEqual({ count: 4, p50: 9, p99: 100, max: 100 });
  });

  it('should be NaN with no waits', () => {
    expect(waitStats([])).toEqual({ count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN });
  });
});
