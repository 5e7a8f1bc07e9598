import { percentile } from './percentile.js';

/** The wait statistics the demo's table shows for a group of events. */
export interface WaitStats {
  readonly count: number;
  /** Median wait; NaN when `count` is 0 (and so are the others). */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Computes p50, p99 and max of the given waits (in any order; NaN entries, events never dispatched, are skipped). */
export function waitStats(waits: Iterable<number>): WaitStats {
  const values = Float64Array.from([...waits].filter((wait) => !Number.isNaN(wait))).sort();
  return {
    count: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: values.length === 0 ? Number.NaN : (values[values.length - 1] as number),
  };
}
