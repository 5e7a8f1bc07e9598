import { describe, expect, it } from 'vitest';
import { generateWorkload, type WorkloadOptions } from '../../src/demo/generateWorkload.js';

const options: WorkloadOptions = { hosts: 4, vms: 3, policies: 2, events: 1000, concurrency: 8, skew: 0.8, seed: 7 };

describe('generateWorkload', () => {
  it('should give the same workload for the same seed, another for another seed', () => {
    expect(generateWorkload(options)).toEqual(generateWorkload(options));
    expect(generateWorkload({ ...options, seed: 8 }).events).not.toEqual(generateWorkload(options).events);
  });

  it('should number the events 1..n in arrival order, within the shape and the duration range', () => {
    const w = generateWorkload(options);
    expect(w.events.map((e) => e.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    w.events.forEach((e, i) => {
      if (i > 0) expect(e.arrival).toBeGreaterThanOrEqual((w.events[i - 1] as typeof e).arrival);
      expect(e.vm).toBeLessThan(3);
      expect(e.policy).toBeLessThan(2);
      expect(e.duration).toBeGreaterThanOrEqual(5);
      expect(e.duration).toBeLessThanOrEqual(50);
      expect(Number.isInteger(e.arrival) && Number.isInteger(e.duration)).toBe(true);
    });
  });

  it('should give host 0 `skew` of the events in a burst and spread the rest over the other hosts and the run', () => {
    const w = generateWorkload(options);
    // 1000 events × 27.5 ms / 8 slots.
    expect(w.horizon).toBe(3438);
    expect(w.burstEnd).toBe(344);
    expect(w.noisyHost).toBe(0);
    const noisy = w.events.filter((e) => e.host === 0);
    const quiet = w.events.filter((e) => e.host !== 0);
    expect(noisy).toHaveLength(800);
    expect(w.noisyEvents).toBe(800);
    expect(noisy.every((e) => e.arrival < w.burstEnd)).toBe(true);
    expect(quiet.every((e) => e.host < 4 && e.arrival < w.horizon)).toBe(true);
    expect(new Set(quiet.map((e) => e.host))).toEqual(new Set([1, 2, 3]));
    expect(Math.max(...quiet.map((e) => e.arrival))).toBeGreaterThan(w.horizon * 0.9);
  });

  it('should have no noisy host with skew 0, and put everything on host 0 with one host', () => {
    const even = generateWorkload({ ...options, skew: 0 });
    expect(even.noisyHost).toBeUndefined();
    expect(even.events.some((e) => e.host === 0)).toBe(false);
    const single = generateWorkload({ ...options, hosts: 1 });
    expect(single.events.every((e) => e.host === 0)).toBe(true);
  });

  it('should reject options it cannot honour', () => {
    expect(() => generateWorkload({ ...options, skew: 1 })).toThrow(RangeError);
    expect(() => generateWorkload({ ...options, hosts: 0 })).toThrow(/hosts/);
    expect(() => generateWorkload({ ...options, minDuration: 10, maxDuration: 5 })).toThrow(/maxDuration/);
  });
});
