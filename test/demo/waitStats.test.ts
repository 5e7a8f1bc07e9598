import { describe, expect, it } from 'vitest';
import { waitStats } from '../../src/demo/waitStats.js';

describe('waitStats', () => {
  it('should sort numerically and skip events never dispatched', () => {
    expect(waitStats([10, 9, 100, Number.NaN, 2])).toEqual({ count: 4, p50: 9, p90: 100, p99: 100, max: 100 });
  });

  it('should be NaN with no waits', () => {
    expect(waitStats([])).toEqual({ count: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN });
    expect(waitStats([Number.NaN])).toMatchObject({ count: 0, max: Number.NaN });
  });

  it('should stay within 1 % of the exact nearest rank beyond 2,048 waits, with the exact maximum', () => {
    const waits = Array.from({ length: 20_000 }, (_, i) => 1 + ((i * 7919) % 20_000));
    const stats = waitStats(waits);
    expect(stats.count).toBe(20_000);
    expect(stats.max).toBe(20_000);
    // 1..20000 in some order: the exact nearest-rank p50 is 10,000 and p99 19,800.
    expect(Math.abs(stats.p50 - 10_000) / 10_000).toBeLessThanOrEqual(0.01);
    expect(Math.abs(stats.p99 - 19_800) / 19_800).toBeLessThanOrEqual(0.01);
  });
});
