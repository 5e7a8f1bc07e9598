import { WaitSketch, type WaitPercentiles } from '../core/WaitSketch.js';

/** What `waitStats` reports for no waits: a count of 0, every figure NaN (the table shows a dash). */
const NONE: WaitPercentiles = { count: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };

/**
 * The wait percentiles the demo's table shows for a group of events (in any order; NaN entries, events never
 * dispatched, are skipped), by the library's `WaitSketch`: the same engine, and so the same figures, as its
 * `FairStats` (exact up to 2,048 waits, then within 1 %; the count and the maximum always exact).
 */
export function waitStats(waits: Iterable<number>): WaitPercentiles {
  const sketch = new WaitSketch();
  for (const wait of waits) if (!Number.isNaN(wait)) sketch.record(wait);
  return sketch.percentiles() ?? NONE;
}
